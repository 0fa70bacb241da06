/**
 * The local adapter: the Lambda authorizer and API handler served over node:http with API
 * Gateway v2 event shapes, so `npm start` and the tests run the very code AWS runs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import type { Principal } from '../http/api-types.ts';
import { bodyTooLarge, MAX_BODY_BYTES } from '../http/body-limit.ts';
import type { ApiEvent } from '../lambda/api-handler.ts';
import type { ConsoleFiles } from './console-files.ts';

const TOO_LARGE = Symbol('too large');

export interface LocalServerOptions {
  authorizer: (event: APIGatewayRequestAuthorizerEventV2) => Promise<APIGatewaySimpleAuthorizerWithContextResult<Principal | Record<string, never>>>;
  handler: (event: ApiEvent) => Promise<APIGatewayProxyStructuredResultV2>;
  /** Routes API Gateway serves without the authorizer. */
  isPublic?: (method: string, path: string) => boolean;
  host?: string;
  port?: number;
  logger?: Logger;
  /** The web console's files, served for every path outside /v1 (the API's). */
  site?: ConsoleFiles;
}

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The body, or TOO_LARGE as soon as it passes the limit (declared or counted): what was read
 * is dropped and nothing more is kept, and the answer closes the connection, so the rest of
 * an oversized upload is never read or buffered.
 */
function readBody(request: IncomingMessage): Promise<string | undefined | typeof TOO_LARGE> {
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY_BYTES) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        chunks = [];
        resolve(TOO_LARGE);
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const logger = options.logger ?? silentLogger;
  const server: Server = createServer((request, response) => {
    const send = (statusCode: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): void => {
      response.writeHead(statusCode, headers).end(body);
    };
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://local');
      if (options.site !== undefined && url.pathname !== '/v1' && !url.pathname.startsWith('/v1/')) {
        options.site.serve(request, response, url.pathname);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
      const requestId = randomUUID();
      const method = request.method ?? 'GET';
      const skipAuth = options.isPublic?.(method, url.pathname) === true;
      const authorization = skipAuth ? { isAuthorized: true, context: undefined } : await options.authorizer({
        version: '2.0',
        type: 'REQUEST',
        routeArn: `local:${request.method ?? 'GET'}${url.pathname}`,
        identitySource: [headers.authorization ?? headers['x-api-key'] ?? ''],
        routeKey: `${request.method ?? 'GET'} ${url.pathname}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        requestContext: { http: { method: request.method ?? 'GET', path: url.pathname } },
      } as unknown as APIGatewayRequestAuthorizerEventV2);
      if (!authorization.isAuthorized) {
        logger.info('request', { requestId, method, path: url.pathname, status: 401 });
        send(401, JSON.stringify({ error: { code: 'STROWGER_ERR_UNAUTHORIZED', message: 'a valid API key is needed' } }));
        return;
      }
      const body = await readBody(request);
      if (body === TOO_LARGE) {
        const { code, message, field } = bodyTooLarge();
        logger.info('request', { requestId, method, path: url.pathname, status: 413 });
        send(413, JSON.stringify({ error: { code, message, field } }), { 'content-type': 'application/json', connection: 'close' });
        return;
      }
      const result = await options.handler({
        version: '2.0',
        routeKey: '$default',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: Object.fromEntries(url.searchParams),
        body,
        isBase64Encoded: false,
        requestContext: {
          requestId,
          http: { method: request.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' },
          ...(authorization.context === undefined ? {} : { authorizer: { lambda: authorization.context as Principal } }),
        },
      } as unknown as ApiEvent);
      send(result.statusCode ?? 200, typeof result.body === 'string' ? result.body : '', (result.headers ?? {}) as Record<string, string>);
    })().catch((error: unknown) => {
      logger.error('local adapter failed', { error });
      if (!response.headersSent) send(500, JSON.stringify({ error: { code: 'STROWGER_ERR_INTERNAL', message: 'internal error' } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
