/**
 * The API-key authorizer (an HTTP API Lambda authorizer with simple responses): the operator
 * key (its hash from configuration) may do everything; a tenant key only its tenant's things,
 * and only while the tenant is active. The same function guards the local adapter.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { TenantsTable } from '../../../shared/store/tenants-table.ts';
import type { Principal } from '../http/api-types.ts';
import { hashApiKey, hashMatches, keyMatches, keyOwner, OPERATOR_OWNER } from './api-keys.ts';

export interface AuthorizerDeps {
  tenants: Pick<TenantsTable, 'get'>;
  /** SHA-256 (hex) of the operator key. */
  operatorKeyHash: string;
  now?: () => number;
}

/** The principal a presented key stands for, or undefined: one answer for every failure. */
export async function authenticate(key: string | undefined, deps: AuthorizerDeps): Promise<Principal | undefined> {
  if (key === undefined) return undefined;
  const owner = keyOwner(key);
  if (owner === undefined) return undefined;
  if (owner === OPERATOR_OWNER) {
    return keyMatches(key, deps.operatorKeyHash) ? { role: 'operator', keyId: 'operator' } : undefined;
  }
  const tenant = await deps.tenants.get(owner);
  if (tenant === undefined || tenant.status !== 'active') return undefined;
  const presented = hashApiKey(key);
  const record = tenant.apiKeys.find((k) => k.revokedAt === undefined && hashMatches(presented, k.hash));
  return record === undefined ? undefined : { role: 'tenant', tenant: tenant.tenantId, keyId: record.id };
}

/** `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: Record<string, string | undefined>): string | undefined {
  const auth = headers.authorization ?? headers.Authorization;
  const bearer = auth === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  return bearer ?? headers['x-api-key'];
}

export function makeAuthorizer(deps: AuthorizerDeps) {
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerWithContextResult<Principal | Record<string, never>>> => {
    const principal = await authenticate(presentedKey(event.headers ?? {}), deps);
    return principal === undefined ? { isAuthorized: false, context: {} } : { isAuthorized: true, context: principal };
  };
}
