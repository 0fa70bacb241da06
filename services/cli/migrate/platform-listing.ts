/**
 * What a migration does on the platform, diff-like: `+` for a peer or route it creates, `~` for
 * one it replaces, with the replaced one's words as `-` lines and the new one's as `+` lines.
 * Peers are shown in iax.conf's words (the same for what exists and what is planned, so the
 * differences are the real ones); secrets are never shown, only whether one is set or new.
 */
import type { PlannedRoute } from './route-plan.ts';

/** The peer fields both a planned PeerConfig and the API's view of a peer have. */
export interface PeerShape {
  type: string;
  host?: string | undefined;
  username?: string | undefined;
  auth?: string[] | undefined;
  contexts: string[];
  peercontext?: string | undefined;
  trunk: boolean;
  trunktimestamps?: boolean;
  qualify: number | false;
  requirecalltoken: string;
  encryption: boolean;
  forceencryption: boolean;
  codecs: Array<{ allow: boolean; codec: string }>;
}

export interface RouteShape {
  destinations: Array<{ dial: string; timeoutS?: number | undefined }>;
}

/** `secret` is "(new)" or "(set)" (or undefined: none). */
export function peerWords(peer: PeerShape, secret: string | undefined): string[] {
  return [
    `type=${peer.type}`,
    ...(peer.host === undefined ? [] : [`host=${peer.host}`]),
    ...(peer.username === undefined ? [] : [`username=${peer.username}`]),
    ...(secret === undefined ? [] : [`secret=${secret}`]),
    ...(peer.auth === undefined ? [] : [`auth=${peer.auth.join(',')}`]),
    ...peer.contexts.map((c) => `context=${c}`),
    ...(peer.peercontext === undefined ? [] : [`peercontext=${peer.peercontext}`]),
    `trunk=${peer.trunk ? 'yes' : 'no'}`,
    ...(peer.trunktimestamps === true ? ['trunktimestamps=yes'] : []),
    `qualify=${peer.qualify === false ? 'no' : peer.qualify}`,
    `requirecalltoken=${peer.requirecalltoken}`,
    ...(peer.forceencryption ? ['forceencryption=yes'] : peer.encryption ? ['encryption=yes'] : []),
    ...peer.codecs.map((c) => `${c.allow ? 'allow' : 'disallow'}=${c.codec}`),
  ];
}

const routeWords = (route: RouteShape): string[] => route.destinations.map((d) => `${d.dial}${d.timeoutS === undefined ? '' : `,${d.timeoutS}`}`);

/** The lines only in `before` as `-`, then the lines only in `after` as `+`. */
function diff(before: readonly string[], after: readonly string[]): string[] {
  return [...before.filter((l) => !after.includes(l)).map((l) => `      - ${l}`), ...after.filter((l) => !before.includes(l)).map((l) => `      + ${l}`)];
}

export interface ListingInput {
  tenant: string;
  peers: ReadonlyArray<{ name: string; planned: PeerShape; current?: PeerShape & { secretCount: number } }>;
  routes: ReadonlyArray<{ planned: PlannedRoute; current?: RouteShape }>;
}

export function platformListing(input: ListingInput): string {
  const out = [`platform, tenant ${input.tenant}:`];
  for (const { name, planned, current } of input.peers) {
    const words = peerWords(planned, '(new)');
    if (current === undefined) out.push(`  + peer ${name}: ${words.join(' ')}`);
    else out.push(`  ~ peer ${name} (replaces the existing peer):`, ...diff(peerWords(current, current.secretCount > 0 ? '(set)' : undefined), words));
  }
  for (const { planned, current } of input.routes) {
    const label = `route ${planned.pattern}@${planned.context}`;
    if (current === undefined) out.push(`  + ${label}: ${routeWords(planned).join(' | ')}`);
    else out.push(`  ~ ${label} (replaces the existing route):`, ...diff(routeWords(current), routeWords(planned)));
  }
  return out.join('\n');
}
