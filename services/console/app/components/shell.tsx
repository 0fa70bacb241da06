/**
 * The frame around every view: the header (who is signed in, sign out) and the tabs of the
 * tenant being looked at. An operator also has the tenant list; a tenant key has only its own
 * tenant's tabs.
 */
import type { ComponentChildren } from 'preact';
import { href, useRoute } from '../routing.ts';
import { useSession } from '../session-context.ts';

export const TENANT_TABS = [
  ['peers', 'Peers'],
  ['routes', 'Routes'],
  ['import', 'Import'],
  ['calls', 'Calls'],
  ['cdrs', 'CDRs'],
  ['activity', 'Activity'],
  ['keys', 'API keys'],
] as const;

export function Shell({ children }: { children: ComponentChildren }) {
  const { identity, signOut } = useSession();
  const route = useRoute();
  const tenant = route[0] === 't' ? route[1] : identity.role === 'tenant' ? identity.tenant : undefined;
  const section = route[0] === 't' ? route[2] : route[0];
  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>Skip to content</a>
      <header class="topbar">
        <div class="topbar-inner">
          <a class="brand" href="#/"><span class="brand-mark" aria-hidden="true">S</span>Strowger console</a>
          <div class="whoami">
            <span class="role" data-testid="role">{identity.role === 'operator' ? 'Operator' : `Tenant ${identity.tenant}`}</span>
            <button type="button" class="secondary" onClick={signOut}>Sign out</button>
          </div>
        </div>
      </header>
      <nav class="tabs" aria-label="Sections">
        <ul>
          {identity.role === 'operator' ? <li><a href={href('tenants')} aria-current={section === 'tenants' || route.length === 0 ? 'page' : undefined}>Tenants</a></li> : null}
          {tenant === undefined ? null : TENANT_TABS.map(([path, label]) => (
            <li key={path}><a href={href('t', tenant, path)} aria-current={route[0] === 't' && section === path ? 'page' : undefined}>{label}</a></li>
          ))}
          {identity.role === 'operator' && tenant !== undefined ? <li class="context">Tenant <strong>{tenant}</strong></li> : null}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}
