/**
 * The tenant's astdb, for `dbsecret=family/key`: values are write-only (they are secrets), so
 * reads say only whether a key is set.
 */
import type { AstdbTable } from '../../../shared/store/astdb-table.ts';
import { notFound } from '../http/api-error.ts';
import { AstdbFamily, AstdbKey, AstdbPutBody } from '../http/api-schemas.ts';
import type { Router } from '../http/router.ts';
import { param, tenantScope } from './access.ts';

export function astdbRoutes(router: Router, astdb: AstdbTable): void {
  const path = '/v1/tenants/{tenant}/astdb/{family}/{key}';
  router
    .add({
      method: 'PUT', path, summary: 'Set a value (write-only)',
      body: AstdbPutBody,
      response: { status: 204, description: 'Stored' },
      handler: async (req) => {
        await astdb.put({ tenant: tenantScope(req), family: param(req, 'family'), key: param(req, 'key'), value: req.body.value });
        return { statusCode: 204 };
      },
    })
    .add({
      method: 'GET', path, summary: 'Whether a key is set (never its value)',
      response: { status: 200, description: 'The key is set', schema: AstdbKey },
      handler: async (req) => {
        const [family, key] = [param(req, 'family'), param(req, 'key')];
        if ((await astdb.get(tenantScope(req), family, key)) === undefined) throw notFound(`astdb ${family}/${key}`);
        return { statusCode: 200, body: { family, key, set: true } };
      },
    })
    .add({
      method: 'DELETE', path, summary: 'Remove a key',
      response: { status: 204, description: 'Removed' },
      handler: async (req) => {
        await astdb.delete(tenantScope(req), param(req, 'family'), param(req, 'key'));
        return { statusCode: 204 };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/astdb/{family}', summary: 'The keys set in a family',
      response: { status: 200, description: 'The keys', schema: AstdbFamily },
      handler: async (req) => {
        const family = param(req, 'family');
        return { statusCode: 200, body: { family, keys: await astdb.keys(tenantScope(req), family) } };
      },
    });
}
