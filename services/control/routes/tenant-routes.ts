/** Tenants (operator only) and API keys (the operator, or the tenant for its own keys). */
import type { Tenant} from '../../../shared/model/tenant.ts';
import { TenantLimits } from '../../../shared/model/tenant.ts';
import type { TenantsTable } from '../../../shared/store/tenants-table.ts';
import { newApiKey } from '../auth/api-keys.ts';
import { notFound } from '../http/api-error.ts';
import type { Router } from '../http/router.ts';
import { ifMatch, objectBody, operatorOnly, stringField, tenantScope } from './access.ts';

/** A tenant as the API shows it: key hashes never leave the store. */
function publicTenant(t: Tenant & { version: number }) {
  return {
    tenantId: t.tenantId,
    name: t.name,
    status: t.status,
    limits: t.limits,
    version: t.version,
    apiKeys: t.apiKeys.map(({ id, prefix, createdAt, revokedAt }) => ({ id, prefix, createdAt, ...(revokedAt === undefined ? {} : { revokedAt }) })),
  };
}

export function tenantRoutes(router: Router, tenants: TenantsTable, now: () => number): void {
  router
    .add('POST', '/v1/tenants', async (req) => {
      operatorOnly(req);
      const body = objectBody(req);
      const created = await tenants.create({
        tenantId: stringField(body, 'tenantId') ?? '',
        name: stringField(body, 'name') ?? '',
        ...(body.limits === undefined ? {} : { limits: TenantLimits.parse(body.limits) }),
      });
      return { statusCode: 201, body: publicTenant(created) };
    })
    .add('GET', '/v1/tenants', async (req) => {
      operatorOnly(req);
      return { statusCode: 200, body: { items: (await tenants.list()).map(publicTenant) } };
    })
    .add('GET', '/v1/tenants/{tenant}', async (req) => {
      const id = tenantScope(req);
      const tenant = await tenants.get(id);
      if (tenant === undefined) throw notFound(`tenant "${id}"`);
      return { statusCode: 200, body: publicTenant(tenant) };
    })
    .add('PATCH', '/v1/tenants/{tenant}', async (req) => {
      operatorOnly(req);
      const body = objectBody(req);
      const version = ifMatch(req, true)!;
      const updated = await tenants.update(req.params.tenant ?? '', version, (t) => ({
        ...t,
        ...(body.name === undefined ? {} : { name: stringField(body, 'name') ?? t.name }),
        ...(body.limits === undefined ? {} : { limits: TenantLimits.parse({ ...t.limits, ...(body.limits as object) }) }),
        ...(body.status === undefined ? {} : { status: body.status as Tenant['status'] }),
      }));
      return { statusCode: 200, body: publicTenant(updated) };
    })
    .add('POST', '/v1/tenants/{tenant}/keys', async (req) => {
      const id = tenantScope(req);
      const current = await tenants.get(id);
      if (current === undefined) throw notFound(`tenant "${id}"`);
      const key = newApiKey(id);
      await tenants.update(id, current.version, (t) => ({ ...t, apiKeys: [...t.apiKeys, { id: key.id, prefix: key.prefix, hash: key.hash, createdAt: now() }] }));
      // The only time the key is ever shown.
      return { statusCode: 201, body: { id: key.id, prefix: key.prefix, key: key.key } };
    })
    .add('GET', '/v1/tenants/{tenant}/keys', async (req) => {
      const id = tenantScope(req);
      const tenant = await tenants.get(id);
      if (tenant === undefined) throw notFound(`tenant "${id}"`);
      return { statusCode: 200, body: { items: publicTenant(tenant).apiKeys } };
    })
    .add('DELETE', '/v1/tenants/{tenant}/keys/{id}', async (req) => {
      const id = tenantScope(req);
      const tenant = await tenants.get(id);
      if (tenant === undefined || !tenant.apiKeys.some((k) => k.id === req.params.id)) throw notFound(`key "${req.params.id ?? ''}"`);
      await tenants.update(id, tenant.version, (t) => ({ ...t, apiKeys: t.apiKeys.map((k) => (k.id === req.params.id ? { ...k, revokedAt: k.revokedAt ?? now() } : k)) }));
      return { statusCode: 204 };
    });
}
