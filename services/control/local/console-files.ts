/**
 * The web console's built files, served by the local adapter beside the API (which keeps
 * /v1): read once at start from one flat folder, so only files that exist there at start are
 * ever served and no request path reaches the file system (no traversal to guard against).
 * Only GET and HEAD; every answer carries the security headers the CDK console site's
 * CloudFront response policy sets in AWS.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleCsp } from '../../../shared/console-csp.ts';

/** Where infra/bundling/build-console.ts writes by default (npm's prepare and prestart run it). */
export const DEFAULT_CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'console');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * The console's content security policy: its own scripts, styles and API only (a deployed
 * console names the API's origin instead: infra/constructs/console-site.ts), never framed.
 */
export const CONSOLE_CSP = consoleCsp();

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

interface ConsoleFile { body: Buffer; type: string }

export interface ConsoleFiles {
  /** Answers a request for a path outside /v1. */
  serve(request: IncomingMessage, response: ServerResponse, path: string): void;
  /** The names it serves (for the start-up line and tests). */
  readonly names: readonly string[];
}

export function loadConsoleFiles(dir: string = DEFAULT_CONSOLE_DIR): ConsoleFiles {
  const files = new Map<string, ConsoleFile>();
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const type = CONTENT_TYPES[extname(name)];
      // Dot files (the build's input list) and anything of an unknown type stay private.
      if (name.startsWith('.') || type === undefined || !statSync(join(dir, name)).isFile()) continue;
      files.set(`/${name}`, { body: readFileSync(join(dir, name)), type });
    }
  }
  const index = files.get('/index.html');
  return {
    names: [...files.keys()],
    serve(request, response, path) {
      const send = (status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}): void => {
        response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-cache', ...extra });
        response.end(request.method === 'HEAD' ? undefined : body);
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        send(405, 'text/plain; charset=utf-8', 'Only GET and HEAD here: the API is under /v1.\n', { allow: 'GET, HEAD' });
        return;
      }
      const file = path === '/' ? index : files.get(path);
      if (file !== undefined) {
        send(200, file.type, file.body);
        return;
      }
      const why = index === undefined
        ? 'The console is not built: run `npm run build:console` (npm start does it when the build is missing), or use the API under /v1.\n'
        : 'Not found. The console is at / and the API under /v1.\n';
      send(404, 'text/plain; charset=utf-8', why);
    },
  };
}
