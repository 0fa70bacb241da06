/**
 * A tenant's routes (its dialplan): one per context and pattern, each with the IAX2
 * destinations tried in order. Patterns travel in the path percent-encoded (`_X.` is fine).
 */
import { maskDialSecret } from '../../../shared/iaxconf/secret-mask.ts';
import type { PeersTable } from '../../../shared/store/peers-table.ts';
import type { RouteRecord, RoutesTable } from '../../../shared/store/routes-table.ts';
import { notFound } from '../http/api-error.ts';
import { PublicRoute, RouteCreateBody, RoutePage, RouteQuery, RouteReplaceBody, RouteWriteQuery } from '../http/api-schemas.ts';
import type { Router } from '../http/router.ts';
import { IF_MATCH_HEADER, ifMatch, param, tenantScope } from './access.ts';
import { checkRoutePeers } from './route-peers.ts';

/**
 * A route as the API shows it: a secret in a dial string (IAX2/user:secret@peer) is
 * write-only like every other secret, so it is masked in `dial` and left out of `target`.
 * `dial` is masked from its own text, whatever `target` says: the two are sent separately, and
 * a dial string with a secret whose target has none (or another) must not come back in clear.
 */
export function publicRoute(route: RouteRecord): RouteRecord {
  return {
    ...route,
    destinations: route.destinations.map(({ target: { secret: _secret, ...target }, ...destination }) => ({
      ...destination,
      dial: maskDialSecret(destination.dial),
      target,
    })),
  };
}

const etag = (route: RouteRecord): Record<string, string> => ({ etag: `"${route.version}"` });

export function dialplanRoutes(router: Router, routes: RoutesTable, peers: Pick<PeersTable, 'get'>): void {
  const path = '/v1/tenants/{tenant}/routes/{context}/{pattern}';
  const load = async (tenant: string, context: string, pattern: string): Promise<RouteRecord> => {
    const route = await routes.get(tenant, context, pattern);
    if (route === undefined) throw notFound(`route ${pattern} in ${context}`);
    return route;
  };
  router
    .add({
      method: 'POST', path: '/v1/tenants/{tenant}/routes', summary: 'Add a route: a pattern in a context and its destinations (each dialling a peer of the tenant, unless forced)',
      body: RouteCreateBody, query: RouteWriteQuery,
      response: { status: 201, description: 'The route', schema: PublicRoute },
      handler: async (req) => {
        const tenant = tenantScope(req);
        await checkRoutePeers(peers, tenant, req.body.destinations, req.query.force === true);
        const created = await routes.put({ ...req.body, tenant });
        return { statusCode: 201, body: publicRoute(created), headers: etag(created) };
      },
    })
    .add({
      method: 'GET', path: '/v1/tenants/{tenant}/routes', summary: 'List routes, of one context or of all',
      query: RouteQuery,
      response: { status: 200, description: 'A page of routes', schema: RoutePage },
      handler: async (req) => {
        const tenant = tenantScope(req);
        const { context, ...paging } = req.query;
        if (context !== undefined) return { statusCode: 200, body: { items: (await routes.listContext(tenant, context)).map(publicRoute) } };
        const page = await routes.listTenant(tenant, paging);
        return { statusCode: 200, body: { ...page, items: page.items.map(publicRoute) } };
      },
    })
    .add({
      method: 'GET', path, summary: 'Get a route',
      response: { status: 200, description: 'The route', schema: PublicRoute },
      handler: async (req) => {
        const route = await load(tenantScope(req), param(req, 'context'), param(req, 'pattern'));
        return { statusCode: 200, body: publicRoute(route), headers: etag(route) };
      },
    })
    .add({
      method: 'PUT', path, summary: 'Replace a route\'s destinations (each dialling a peer of the tenant, unless forced)',
      body: RouteReplaceBody, query: RouteWriteQuery, headers: [IF_MATCH_HEADER],
      response: { status: 200, description: 'The route', schema: PublicRoute },
      handler: async (req) => {
        const tenant = tenantScope(req);
        const version = ifMatch(req);
        await checkRoutePeers(peers, tenant, req.body.destinations, req.query.force === true);
        const replaced = await routes.put({ ...req.body, tenant, context: param(req, 'context'), pattern: param(req, 'pattern') }, version);
        return { statusCode: 200, body: publicRoute(replaced), headers: etag(replaced) };
      },
    })
    .add({
      method: 'DELETE', path, summary: 'Remove a route',
      response: { status: 204, description: 'Removed' },
      handler: async (req) => {
        await routes.delete(tenantScope(req), param(req, 'context'), param(req, 'pattern'));
        return { statusCode: 204 };
      },
    });
}
