// Events in the shapes AWS delivers them to our Lambda functions: an HTTP API (payload v2)
// request authorizer event, an authorized API request, a DynamoDB Streams record.
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import type { ApiEvent } from '../../services/control/lambda/api-handler.ts';

export function authorizerEvent(headers: Record<string, string>): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0', type: 'REQUEST', routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/$default/GET/v1/tenants',
    identitySource: [headers.authorization ?? ''], routeKey: 'GET /v1/tenants', rawPath: '/v1/tenants', rawQueryString: '',
    cookies: [], headers, queryStringParameters: {}, pathParameters: {}, stageVariables: {},
    requestContext: {
      accountId: '123456789012', apiId: 'api', domainName: 'api.example', domainPrefix: 'api',
      http: { method: 'GET', path: '/v1/tenants', protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
      requestId: 'r1', routeKey: 'GET /v1/tenants', stage: '$default', time: '23/Nov/2026:10:00:00 +0000', timeEpoch: Date.now(),
    },
  };
}

export function apiEvent(method: string, path: string, body: string | undefined, principal: unknown, base64 = false): ApiEvent {
  return {
    version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: base64 ? Buffer.from(body).toString('base64') : body }),
    isBase64Encoded: base64,
    requestContext: {
      accountId: '123456789012', apiId: 'api', domainName: 'api.example', domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
      requestId: `req-${Math.random()}`, routeKey: '$default', stage: '$default', time: '', timeEpoch: Date.now(),
      ...(principal === undefined ? {} : { authorizer: { lambda: principal } }),
    },
  } as unknown as ApiEvent;
}
