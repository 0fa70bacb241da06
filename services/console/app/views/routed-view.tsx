/** Which view a hash route shows. Paths name the tenant, so the API (not the console) decides who may see it. */
import { useEffect } from 'preact/hooks';
import { href, useRoute } from '../routing.ts';
import { useSession } from '../session-context.ts';
import { Empty } from '../components/states.tsx';
import { ActivityView } from './activity.tsx';
import { CallsView } from './calls.tsx';
import { CdrsView } from './cdrs.tsx';
import { ImportView } from './import.tsx';
import { KeysView } from './keys.tsx';
import { PeerEditor } from './peer-editor.tsx';
import { PeersView } from './peers.tsx';
import { RoutesView } from './routes.tsx';
import { TenantsView } from './tenants.tsx';

export function RoutedView() {
  const route = useRoute();
  const { identity } = useSession();
  const home = identity.role === 'operator' ? href('tenants') : href('t', identity.tenant, 'peers');
  useEffect(() => {
    if (route.length === 0) window.location.replace(home);
  }, [route.length, home]);
  const [first, tenant, section, item] = route;
  if (route.length === 0) return null;
  if (first === 'tenants' && route.length === 1) return <TenantsView />;
  if (first === 't' && tenant !== undefined) {
    switch (section) {
      case 'peers':
        if (item === undefined) return <PeersView tenant={tenant} />;
        if (item === 'new' && route.length === 4) return <PeerEditor tenant={tenant} key={`${tenant}/new`} />;
        if (item === 'edit' && route[4] !== undefined) return <PeerEditor tenant={tenant} name={route[4]} key={`${tenant}/${route[4]}`} />;
        break;
      case 'routes': return <RoutesView tenant={tenant} />;
      case 'import': return <ImportView tenant={tenant} />;
      case 'calls': return <CallsView tenant={tenant} />;
      case 'cdrs': return <CdrsView tenant={tenant} />;
      case 'activity': return <ActivityView tenant={tenant} />;
      case 'keys': return <KeysView tenant={tenant} />;
    }
  }
  return (
    <Empty title="There is no such page.">
      <p>The address may be mistyped or out of date.</p>
      <div class="actions"><a class="button" href={home}>Go to the start page</a></div>
    </Empty>
  );
}
