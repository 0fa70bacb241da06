/**
 * The control-plane API: every route spec in one router, one place errors are mapped, one
 * access log line per request (method, route, status, time; never a body). API Gateway's
 * Lambda handler and the local HTTP adapter both call `handle`.
 */
import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { Stores } from '../../shared/store/stores.ts';
import { httpWorkerCallSource, type WorkerCallSource } from './calls/worker-calls.ts';
import { DEFAULT_CONTROL_SETTINGS, type ControlSettings } from './control-settings.ts';
import { ApiError, toErrorResponse } from './http/api-error.ts';
import type { ApiResponse, Principal } from './http/api-types.ts';
import { bodyTooLarge, MAX_BODY_BYTES } from './http/body-limit.ts';
import { buildOpenApi } from './http/openapi.ts';
import { dispatch, Router } from './http/router.ts';
import { tenantScope } from './routes/access.ts';
import { activityRoutes } from './routes/activity-routes.ts';
import { astdbRoutes } from './routes/astdb-routes.ts';
import { dialplanRoutes } from './routes/dialplan-routes.ts';
import { importRoutes } from './routes/import-routes.ts';
import { peerRoutes } from './routes/peer-routes.ts';
import { statsRoutes } from './routes/stats-routes.ts';
import { tenantRoutes } from './routes/tenant-routes.ts';

export const API_VERSION = '1.0.0';
export const OPENAPI_PATH = '/v1/openapi.json';

export interface ControlDeps {
  stores: Stores;
  now?: () => number;
  logger?: Logger;
  /** How active calls are asked of workers (HTTP to their status port by default). */
  callSource?: WorkerCallSource;
  /** The operator's settings (control-settings.ts); the defaults where absent. */
  settings?: Partial<ControlSettings>;
}

export interface IncomingRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The raw body text, if any. */
  body: string | undefined;
  /** Who the authorizer said the caller is; absent only for public routes. */
  principal: Principal | undefined;
  requestId?: string;
}

export type ControlApi = ReturnType<typeof createApi>;

export function createApi(deps: ControlDeps) {
  const router = new Router();
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  const { stores } = deps;
  const settings: ControlSettings = { ...DEFAULT_CONTROL_SETTINGS, ...deps.settings };
  tenantRoutes(router, stores.tenants, now, { maxKeysPerTenant: settings.maxKeysPerTenant });
  peerRoutes(router, stores, now, settings.allowedPeerNetworks);
  dialplanRoutes(router, stores.routes, stores.peers);
  astdbRoutes(router, stores.astdb);
  const callSource = deps.callSource ?? httpWorkerCallSource();
  activityRoutes(router, stores, callSource, now);
  statsRoutes(router, stores, callSource, now, { maxKeysPerTenant: settings.maxKeysPerTenant });
  importRoutes(router, stores, logger, settings.allowedPeerNetworks);
  let openapi: unknown;
  router.add({
    method: 'GET', path: OPENAPI_PATH, summary: 'This document', public: true,
    response: { status: 200, description: 'The OpenAPI 3.1 document' },
    handler: () => {
      openapi ??= buildOpenApi(router.specs, { title: 'Strowger control API', version: API_VERSION });
      return Promise.resolve({ statusCode: 200, body: openapi });
    },
  });

  async function handle(incoming: IncomingRequest): Promise<ApiResponse> {
    const requestId = incoming.requestId ?? randomUUID();
    const started = now();
    let route = '-';
    let response: ApiResponse;
    try {
      const matched = router.match(incoming.method, incoming.path);
      if (matched === 'not-found') throw new ApiError('STROWGER_ERR_NOT_FOUND', `no route ${incoming.path}`, 404);
      if (matched === 'method-not-allowed') throw new ApiError('STROWGER_ERR_METHOD', `${incoming.method} is not allowed on ${incoming.path}`, 405);
      route = matched.spec.path;
      if (incoming.principal === undefined && matched.spec.public !== true) throw new ApiError('STROWGER_ERR_UNAUTHORIZED', 'a valid API key is needed', 401);
      // Tenant scope before anything else (even body validation): another tenant's paths all
      // answer 404, whatever is sent. Each handler scopes again.
      if (incoming.principal !== undefined && 'tenant' in matched.params) tenantScope({ params: matched.params, principal: incoming.principal });
      if (incoming.body !== undefined && Buffer.byteLength(incoming.body) > MAX_BODY_BYTES) throw bodyTooLarge();
      response = await dispatch(matched, {
        method: incoming.method,
        path: incoming.path,
        params: matched.params,
        query: incoming.query,
        headers: incoming.headers,
        body: parseBody(incoming),
        principal: incoming.principal ?? { role: 'tenant', tenant: '', keyId: 'anonymous' },
        requestId,
      });
    } catch (error) {
      response = toErrorResponse(error, logger, requestId);
    }
    logger.info('request', {
      requestId,
      method: incoming.method,
      route,
      status: response.statusCode,
      ms: now() - started,
      key: incoming.principal?.keyId,
      tenant: incoming.principal?.tenant,
    });
    return response;
  }

  /** Routes served without a key (the authorizer is skipped for them). */
  function isPublic(method: string, path: string): boolean {
    const matched = router.match(method, path);
    return typeof matched === 'object' && matched.spec.public === true;
  }

  return { handle, isPublic, specs: router.specs };
}

function parseBody(incoming: IncomingRequest): unknown {
  if (incoming.body === undefined || incoming.body === '') return undefined;
  const type = incoming.headers['content-type'] ?? 'application/json';
  if (!type.includes('json')) return incoming.body;
  try {
    return JSON.parse(incoming.body) as unknown;
  } catch {
    throw new ApiError('STROWGER_ERR_VALIDATION', 'the body is not valid JSON', 400);
  }
}
