/**
 * The API Lambda's shape: an HTTP API (payload v2) event, already authorized by the Lambda
 * authorizer whose context is the principal, turned into a call of the API and back.
 */
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ControlApi } from '../api.ts';
import type { Principal } from '../http/api-types.ts';

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Principal>;

export function makeApiHandler(api: ControlApi) {
  return async (event: ApiEvent): Promise<APIGatewayProxyStructuredResultV2> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query[name] = value;
    const body = event.body === undefined ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const response = await api.handle({
      method: event.requestContext.http.method,
      path: event.rawPath,
      query,
      headers,
      body,
      // Routes without an authorizer (the OpenAPI document) arrive with none.
      principal: (event.requestContext.authorizer as ApiEvent['requestContext']['authorizer'] | undefined)?.lambda,
      requestId: event.requestContext.requestId,
    });
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/json', ...response.headers },
      body: response.body === undefined ? '' : JSON.stringify(response.body),
    };
  };
}
