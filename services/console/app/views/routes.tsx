/**
 * A tenant's dialplan: each route is a pattern in a context and the IAX2 destinations tried in
 * order (Dial()'s failover). Dial strings are read by the same parser the CLI and the import
 * use; secrets in them come back masked.
 */
import { useState } from 'preact/hooks';
import { apiPath } from '../api/client.ts';
import type { Page as ApiPage, Route } from '../api/types.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Page } from '../components/page.tsx';
import { Empty, ErrorNotice, Loading } from '../components/states.tsx';
import { useSession } from '../session-context.ts';
import { useApi } from '../use-api.ts';
import { RouteForm } from './route-form.tsx';

export function RoutesView({ tenant }: { tenant: string }) {
  const { api } = useSession();
  const [adding, setAdding] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const routes = useApi(async (signal) => {
    const all: Route[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.get<ApiPage<Route>>(apiPath('tenants', tenant, 'routes'), { limit: 1000, cursor }, signal);
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    return all.sort((a, b) => a.context.localeCompare(b.context) || a.pattern.localeCompare(b.pattern));
  }, [tenant]);

  const remove = async (route: Route): Promise<void> => {
    setActionError(undefined);
    try {
      await api.request('DELETE', apiPath('tenants', tenant, 'routes', route.context, route.pattern));
      routes.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <Page title="Routes" intro="Where calls go: a pattern in a context, and the destinations tried in order." actions={
      <button type="button" onClick={() => setAdding(!adding)} aria-expanded={adding}>{adding ? 'Close' : 'Add route'}</button>
    }>
      {adding ? <RouteForm tenant={tenant} onCreated={() => { setAdding(false); routes.reload(); }} /> : null}
      {actionError === undefined ? null : <ErrorNotice error={actionError} what="remove the route" />}
      {routes.state === 'loading' ? <Loading what="routes" /> : null}
      {routes.state === 'error' ? <ErrorNotice error={routes.error} what={`list the routes of tenant ${tenant}`} onRetry={routes.reload} /> : null}
      {routes.state === 'ok' ? (
        <div class="card table-wrap">
          {routes.data.length === 0 ? (
            <Empty title="No routes yet."><p>Add a route, or import your extensions.conf: without routes, calls from your boxes have nowhere to go.</p></Empty>
          ) : (
            <table class="stack">
              <thead><tr><th>Context</th><th>Pattern</th><th>Destinations, in order</th><th class="num">Timeout</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {routes.data.map((route) => (
                  <tr key={`${route.context}/${route.pattern}`}>
                    <td data-label="Context"><code>{route.context}</code></td>
                    <td data-label="Pattern"><code>{route.pattern}</code></td>
                    <td data-label="Destinations">{route.destinations.map((d, i) => <code key={i} class="sub">{i + 1}. {d.dial}</code>)}</td>
                    <td data-label="Timeout" class="num">{route.destinations[0]?.timeoutS === undefined ? '—' : `${route.destinations[0].timeoutS} s`}</td>
                    <td class="row-actions"><ConfirmButton label="Remove" confirm={`Remove ${route.pattern}`} onConfirm={() => remove(route)} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ) : null}
    </Page>
  );
}
