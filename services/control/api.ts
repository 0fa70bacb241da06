/**
 * The control-plane API: one router for every route, one place errors are mapped. API
 * Gateway's Lambda handler and the local HTTP adapter both call `handle`.
 */
import { randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { PeersTable } from '../../shared/store/peers-table.ts';
import type { RegistrationsTable } from '../../shared/store/registrations-table.ts';
import type { TenantsTable } from '../../shared/store/tenants-table.ts';
import { ApiError, toErrorResponse } from './http/api-error.ts';
import type { ApiRequest, ApiResponse, Principal } from './http/api-types.ts';
import { Router } from './http/router.ts';
import { peerRoutes } from './routes/peer-routes.ts';
import { tenantRoutes } from './routes/tenant-routes.ts';

export interface ControlDeps {
  tenants: TenantsTable;
  peers: PeersTable;
  registrations: RegistrationsTable;
  now?: () => number;
  logger?: Logger;
}

export interface IncomingRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The raw body text, if any. */
  body: string | undefined;
  principal: Principal;
  requestId?: string;
}

export function createApi(deps: ControlDeps) {
  const router = new Router();
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? silentLogger;
  tenantRoutes(router, deps.tenants, now);
  peerRoutes(router, deps.peers, deps.registrations);

  async function handle(incoming: IncomingRequest): Promise<ApiResponse> {
    const requestId = incoming.requestId ?? randomUUID();
    try {
      const matched = router.match(incoming.method, incoming.path);
      if (matched === 'not-found') throw new ApiError('STROWGER_ERR_NOT_FOUND', `no route ${incoming.path}`, 404);
      if (matched === 'method-not-allowed') throw new ApiError('STROWGER_ERR_METHOD', `${incoming.method} is not allowed on ${incoming.path}`, 405);
      const request: ApiRequest = {
        method: incoming.method,
        path: incoming.path,
        params: matched.params,
        query: incoming.query,
        headers: incoming.headers,
        body: parseBody(incoming),
        principal: incoming.principal,
        requestId,
      };
      return await matched.handler(request);
    } catch (error) {
      const { statusCode, body } = toErrorResponse(error, logger, requestId);
      return { statusCode, body };
    }
  }

  return { handle, routes: router.templates };
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
