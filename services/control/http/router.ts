/**
 * The API's route table. Each route is a spec: method, path template, summary, and the zod
 * schemas of its body, query and response. The router validates requests with those schemas
 * before a handler runs, and the OpenAPI document is generated from the same specs, so the
 * published contract is the enforced one.
 */
import type { z } from 'zod';
import { ApiError } from './api-error.ts';
import type { ApiRequest, ApiResponse } from './api-types.ts';
import { pathParamsSchema } from './path-params.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec<Body = unknown, Query = Record<string, string>> {
  method: HttpMethod;
  /** A template like `/v1/tenants/{tenant}/peers/{name}`, as API Gateway routes it. */
  path: string;
  summary: string;
  /** Only the operator key may call it. */
  operatorOnly?: boolean;
  /** Served without an API key (the OpenAPI document). */
  public?: boolean;
  /** The JSON body's schema. */
  body?: z.ZodType<Body>;
  query?: z.ZodType<Query>;
  /** The success status and the schema of its body (none for 204). */
  response: { status: number; description: string; schema?: z.ZodType };
  /** Request headers the route reads, for the document. */
  headers?: Array<{ name: string; required: boolean; description: string; pattern?: string }>;
  handler: (request: ValidatedRequest<Body, Query>) => Promise<ApiResponse>;
}

export interface ValidatedRequest<Body, Query> extends Omit<ApiRequest, 'body' | 'query'> {
  body: Body;
  /** The raw body as parsed, before the schema's defaults: PATCH reads which fields were sent. */
  rawBody: unknown;
  query: Query;
}

interface CompiledRoute {
  spec: RouteSpec<unknown, unknown>;
  pattern: RegExp;
  params: string[];
  paramsSchema: z.ZodType<Record<string, string>>;
}

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add<Body, Query>(spec: RouteSpec<Body, Query>): this {
    const params: string[] = [];
    const pattern = new RegExp(
      `^${spec.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_m, name: string) => {
        params.push(name);
        return '([^/]+)';
      })}$`,
    );
    this.routes.push({ spec: spec as unknown as RouteSpec<unknown, unknown>, pattern, params, paramsSchema: pathParamsSchema(params) });
    return this;
  }

  /** The route for a method and path, with its decoded path parameters; or why there is none. */
  match(method: string, path: string): MatchedRoute | 'not-found' | 'method-not-allowed' {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (route.spec.method !== method) continue;
      const params: Record<string, string> = {};
      for (const [i, name] of route.params.entries()) {
        try {
          params[name] = decodeURIComponent(m[i + 1] ?? '');
        } catch {
          throw new ApiError('STROWGER_ERR_VALIDATION', `the path segment for ${name} is not valid percent-encoding`, 400, name);
        }
      }
      return { spec: route.spec, params, paramsSchema: route.paramsSchema };
    }
    return pathMatched ? 'method-not-allowed' : 'not-found';
  }

  get specs(): ReadonlyArray<RouteSpec<unknown, unknown>> {
    return this.routes.map((route) => route.spec);
  }
}

export interface MatchedRoute {
  spec: RouteSpec<unknown, unknown>;
  /** Decoded, not yet checked: dispatch checks them (after the caller's tenant scope). */
  params: Record<string, string>;
  paramsSchema: z.ZodType<Record<string, string>>;
}

/** Runs a matched route: the path parameters, body and query through their schemas, then the handler. */
export async function dispatch(route: MatchedRoute, request: ApiRequest): Promise<ApiResponse> {
  const { spec } = route;
  route.paramsSchema.parse(request.params);
  if (spec.body === undefined && request.body !== undefined && spec.method !== 'DELETE') {
    throw new ApiError('STROWGER_ERR_VALIDATION', `${spec.method} ${spec.path} takes no body`, 400);
  }
  if (typeof request.body === 'string') {
    throw new ApiError('STROWGER_ERR_UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON (content-type: application/json)', 415);
  }
  const body = spec.body === undefined ? undefined : spec.body.parse(request.body ?? {});
  const query = spec.query === undefined ? request.query : spec.query.parse(request.query);
  return spec.handler({ ...request, body, rawBody: request.body, query });
}
