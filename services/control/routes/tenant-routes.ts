/**
 * Tenants (operator only) and API keys (the operator, or a tenant for its own keys). A tenant
 * holds at most the operator's `maxKeysPerTenant` keys; revoking one removes it from the record
 * (records written before that may still hold revoked keys: they are never listed, never
 * counted, and dropped at the tenant's next key change).
 */
import type { ApiKeyRecord, Tenant } from '../../../shared/model/tenant.ts';
import { TenantLimits } from '../../../shared/model/tenant.ts';
import type { TenantRecord, TenantsTable } from '../../../shared/store/tenants-table.ts';
import { newApiKey } from '../auth/api-keys.ts';
import { ApiError, notFound } from '../http/api-error.ts';
import { ApiKeyCreated, ApiKeyList, PublicTenant, TenantCreateBody, TenantList, TenantPatchBody } from '../http/api-schemas.ts';
import type { Router } from '../http/router.ts';
import { IF_MATCH_HEADER, ifMatch, operatorOnly, param, tenantScope } from './access.ts';

/** A tenant as the API shows it: key hashes never leave the store. */
function publicTenant(t: TenantRecord) {
  return {
    tenantId: t.tenantId,
    name: t.name,
    status: t.status,
    limits: t.limits,
    version: t.version,
    apiKeys: activeKeys(t.apiKeys).map(({ id, prefix, createdAt }) => ({ id, prefix, createdAt })),
  };
}

const activeKeys = (keys: readonly ApiKeyRecord[]): ApiKeyRecord[] => keys.filter((k) => k.revokedAt === undefined);

export function tenantRoutes(router: Router, tenants: TenantsTable, now: () => number, limits: { maxKeysPerTenant: number }): void {
  const load = async (id: string): Promise<TenantRecord> => {
    const tenant = await tenants.get(id);
    if (tenant === undefined) throw notFound(`tenant "${id}"`);
    return tenant;
  };
  router
    .add({
      method: 'POST', path: '/v1/tenants', summary: 'Create a tenant', operatorOnly: true,
      body: TenantCreateBody,
      response: { status: 201, description: 'The tenant', schema: PublicTenant },
      handler: async (req) => {
        operatorOnly(req);
        const { tenantId, name, limits } = req.body;
        const created = await tenants.create({ tenantId, name, ...(limits === undefined ? {} : { limits: TenantLimits.parse(limits) }) });
        return { statusCode: 201, body: publicTenant(created) };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants', summary: 'List tenants', operatorOnly: true,
      response: { status: 200, description: 'Every tenant', schema: TenantList },
      handler: async (req) => {
        operatorOnly(req);
        return { statusCode: 200, body: { items: (await tenants.list()).map(publicTenant) } };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}', summary: 'Get a tenant',
      response: { status: 200, description: 'The tenant', schema: PublicTenant },
      handler: async (req) => ({ statusCode: 200, body: publicTenant(await load(tenantScope(req))) }),
    })
    .add({
      method: 'PATCH', path: '/v1/tenants/{tenant}', summary: 'Change a tenant\'s name or limits, or suspend it', operatorOnly: true,
      body: TenantPatchBody, headers: [IF_MATCH_HEADER],
      response: { status: 200, description: 'The tenant', schema: PublicTenant },
      handler: async (req) => {
        operatorOnly(req);
        const { name, limits, status } = req.body;
        const updated = await tenants.update(param(req, 'tenant'), ifMatch(req), (t): Tenant => ({
          ...t,
          name: name ?? t.name,
          status: status ?? t.status,
          limits: TenantLimits.parse({ ...t.limits, ...limits }),
        }));
        return { statusCode: 200, body: publicTenant(updated) };
      },
    })
    .add({
      method: 'POST', path: '/v1/tenants/{tenant}/keys', summary: 'Create an API key for the tenant (shown once; at most the operator\'s limit of keys per tenant, then 409)',
      response: { status: 201, description: 'The new key', schema: ApiKeyCreated },
      handler: async (req) => {
        const id = tenantScope(req);
        const current = await load(id);
        const held = activeKeys(current.apiKeys).length;
        if (held >= limits.maxKeysPerTenant) {
          throw new ApiError('STROWGER_ERR_LIMIT', `tenant "${id}" already has ${held} API keys, the most the operator allows (${limits.maxKeysPerTenant}): revoke one first`, 409);
        }
        const key = newApiKey(id);
        // Conditional on the version read: two concurrent creations cannot both pass the limit.
        await tenants.update(id, current.version, (t) => ({ ...t, apiKeys: [...activeKeys(t.apiKeys), { id: key.id, prefix: key.prefix, hash: key.hash, createdAt: now() }] }));
        return { statusCode: 201, body: { id: key.id, prefix: key.prefix, key: key.key } };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/keys', summary: 'List the tenant\'s API keys (prefixes only)',
      response: { status: 200, description: 'The keys', schema: ApiKeyList },
      handler: async (req) => ({ statusCode: 200, body: { items: publicTenant(await load(tenantScope(req))).apiKeys } }),
    })
    .add({
      method: 'DELETE', path: '/v1/tenants/{tenant}/keys/{id}', summary: 'Revoke an API key (it is removed)',
      response: { status: 204, description: 'Revoked' },
      handler: async (req) => {
        const id = tenantScope(req);
        const keyId = param(req, 'id');
        const tenant = await load(id);
        if (!activeKeys(tenant.apiKeys).some((k) => k.id === keyId)) throw notFound(`key "${keyId}"`);
        await tenants.update(id, tenant.version, (t) => ({ ...t, apiKeys: activeKeys(t.apiKeys).filter((k) => k.id !== keyId) }));
        return { statusCode: 204 };
      },
    });
}
