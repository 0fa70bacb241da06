/**
 * `POST /v1/tenants/{tenant}/import`: an iax.conf and/or extensions.conf become the tenant's
 * peers and routes, all or nothing. Everything is parsed and checked before the first write
 * (every file's problems reported together, with file:line; names another tenant owns; the
 * tenant's peer limit; static hosts the operator's rules refuse; routes dialling a peer the
 * tenant will not have, at their Dial lines, warnings instead when forced); then peers and routes are
 * written at their versions, and if a write still fails (a concurrent change) the writes
 * already made are undone before the error is returned. One import holds at most
 * MAX_IMPORT_PEERS peers and MAX_IMPORT_ROUTES routes, so its writes finish well inside a
 * request's time (a request cut off midway could not undo what it wrote).
 */
import type { PeerConfig } from '../../../shared/model/peer.ts';
import type { AllowedNetworks } from '../../../shared/model/peer-address-policy.ts';
import type { RouteConfig } from '../../../shared/model/route.ts';
import { ConfImportError, NO_FILE, type ConfProblem } from '../../../shared/iaxconf/conf-errors.ts';
import { importExtensionsConf, type RouteLines } from '../../../shared/iaxconf/extensions-conf.ts';
import { importIaxConf } from '../../../shared/iaxconf/iax-conf.ts';
import type { PeerRecord } from '../../../shared/store/peers-table.ts';
import type { RouteRecord } from '../../../shared/store/routes-table.ts';
import type { Stores } from '../../../shared/store/stores.ts';
import { ApiError, notFound } from '../http/api-error.ts';
import { describePeerless, destinationsWithoutPeer, tenantPeerNames } from '../routes/route-peers.ts';
import type { Logger } from '../../../shared/logger.ts';

export interface ImportFile {
  name: string;
  kind?: 'iax' | 'extensions' | undefined;
  text: string;
}

export interface ImportOutcome {
  dryRun: boolean;
  peers: { created: string[]; updated: string[] };
  routes: { created: string[]; updated: string[] };
  warnings: ConfProblem[];
}

/** `*iax*.conf` is an iax.conf, `*extensions*.conf` a dialplan; anything else needs `kind`. */
export function kindOf(file: ImportFile): 'iax' | 'extensions' | undefined {
  if (file.kind !== undefined) return file.kind;
  const base = file.name.split(/[\\/]/).pop()?.toLowerCase() ?? '';
  if (/iax.*\.conf$/.test(base)) return 'iax';
  if (/extensions.*\.conf$/.test(base)) return 'extensions';
  return undefined;
}

const routeLabel = (route: RouteConfig): string => `${route.pattern}@${route.context}`;

export const MAX_IMPORT_PEERS = 500;
export const MAX_IMPORT_ROUTES = 2000;
/** Warnings returned at most (a file of ignored lines would otherwise answer with all of them). */
const MAX_WARNINGS = 100;

export interface ParsedImport {
  peers: PeerConfig[];
  routes: RouteConfig[];
  warnings: ConfProblem[];
  /** Where each route is written: its file and lines. */
  routeSources: ReadonlyMap<RouteConfig, { file: string } & RouteLines>;
}

/**
 * Parses every file; throws one ConfImportError with every file's problems. `peerHosts`: the
 * operator's allowed networks, against which every static host is checked (none: all internal
 * addresses refused).
 */
export function parseImport(tenant: string, files: readonly ImportFile[], peerHosts: AllowedNetworks = []): ParsedImport {
  const problems: ConfProblem[] = [];
  const warnings: ConfProblem[] = [];
  const peers: PeerConfig[] = [];
  const routes: RouteConfig[] = [];
  const routeSources = new Map<RouteConfig, { file: string } & RouteLines>();
  const peerFiles = new Map<string, string>();
  const routeFiles = new Map<string, string>();
  for (const file of files) {
    const kind = kindOf(file);
    if (kind === undefined) {
      problems.push({ file: file.name, line: 0, reason: 'cannot tell what this file is: name it *iax*.conf or *extensions*.conf, or give its kind' });
      continue;
    }
    try {
      if (kind === 'iax') {
        const imported = importIaxConf(file.text, { tenant, file: file.name, peerHosts });
        warnings.push(...imported.warnings);
        for (const entry of imported.registers) {
          warnings.push({ file: file.name, line: entry.sourceLine, reason: 'register => lines register your PBX elsewhere; Strowger does not register out for tenants; ignored' });
        }
        for (const peer of imported.peers) {
          const earlier = peerFiles.get(peer.name);
          if (earlier !== undefined) problems.push({ file: file.name, line: imported.sectionLines.get(peer.name) ?? 0, reason: `[${peer.name}] is also defined in ${earlier}` });
          peerFiles.set(peer.name, file.name);
          peers.push(peer);
        }
      } else {
        const imported = importExtensionsConf(file.text, { tenant, file: file.name });
        warnings.push(...imported.warnings);
        for (const route of imported.routes) {
          const lines = imported.lines.get(route) ?? { line: 0, destinations: [] };
          const earlier = routeFiles.get(routeLabel(route));
          if (earlier !== undefined) problems.push({ file: file.name, line: lines.line, reason: `${routeLabel(route)} is also routed in ${earlier}` });
          routeFiles.set(routeLabel(route), file.name);
          routes.push(route);
          routeSources.set(route, { file: file.name, ...lines });
        }
      }
    } catch (error) {
      if (!(error instanceof ConfImportError)) throw error;
      problems.push(...error.problems);
    }
  }
  // Counts of the whole import, which no one file or line holds.
  if (peers.length > MAX_IMPORT_PEERS) problems.push({ file: NO_FILE, line: 0, reason: `this import defines ${peers.length} peers: one import takes at most ${MAX_IMPORT_PEERS}; split the files` });
  if (routes.length > MAX_IMPORT_ROUTES) problems.push({ file: NO_FILE, line: 0, reason: `this import defines ${routes.length} routes: one import takes at most ${MAX_IMPORT_ROUTES}; split the files` });
  if (problems.length > 0) throw new ConfImportError(problems);
  return { peers, routes, warnings, routeSources };
}

function capWarnings(warnings: ConfProblem[]): ConfProblem[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  return [...warnings.slice(0, MAX_WARNINGS), { file: NO_FILE, line: 0, reason: `and ${warnings.length - MAX_WARNINGS} more warnings` }];
}

/** Each Dial line whose peer is neither the tenant's already nor defined by this import. */
async function peerlessDestinations(stores: Pick<Stores, 'peers'>, tenant: string, parsed: ParsedImport): Promise<ConfProblem[]> {
  if (parsed.routes.length === 0) return [];
  // Another tenant's peer is not listed here: it counts as missing, and is not told apart.
  const known = await tenantPeerNames(stores.peers, tenant);
  for (const peer of parsed.peers) known.add(peer.name);
  return parsed.routes.flatMap((route) => {
    const source = parsed.routeSources.get(route);
    return destinationsWithoutPeer(route.destinations, (peer) => known.has(peer)).map((missing) => ({
      file: source?.file ?? NO_FILE,
      line: source?.destinations[missing.index] ?? source?.line ?? 0,
      reason: describePeerless(missing, tenant),
    }));
  });
}

type Undo = () => Promise<unknown>;

export async function runImport(
  stores: Pick<Stores, 'peers' | 'routes' | 'tenants'>,
  tenant: string,
  files: readonly ImportFile[],
  options: { dryRun: boolean; logger: Logger; peerHosts?: AllowedNetworks; ifExists?: 'replace' | 'refuse'; force?: boolean },
): Promise<ImportOutcome> {
  const parsed = parseImport(tenant, files, options.peerHosts ?? []);
  const tenantRecord = await stores.tenants.get(tenant);
  if (tenantRecord === undefined) throw notFound(`tenant "${tenant}"`);
  const peerless = await peerlessDestinations(stores, tenant, parsed);
  if (peerless.length > 0 && options.force !== true) {
    throw new ConfImportError(peerless.map((p) => ({ ...p, reason: `${p.reason}; define the peer in this import's iax.conf or add it first, or import anyway with force (strowger import --force)` })));
  }

  // Check everything before writing anything.
  const existingPeers = new Map<string, PeerRecord>();
  for (const peer of parsed.peers) {
    const current = await stores.peers.get(peer.name);
    if (current === undefined) continue;
    if (current.tenant !== tenant) throw new ApiError('STROWGER_ERR_CONFLICT', `peer name "${peer.name}" is taken`, 409);
    existingPeers.set(peer.name, current);
  }
  const newPeers = parsed.peers.length - existingPeers.size;
  const count = await stores.peers.countByTenant(tenant);
  if (newPeers > 0 && count + newPeers > tenantRecord.limits.maxPeers) {
    throw new ApiError('STROWGER_ERR_LIMIT', `importing ${newPeers} new peers would pass tenant "${tenant}"'s limit of ${tenantRecord.limits.maxPeers} (it has ${count})`, 409);
  }
  const existingRoutes = new Map<string, RouteRecord>();
  for (const route of parsed.routes) {
    const current = await stores.routes.get(tenant, route.context, route.pattern);
    if (current !== undefined) existingRoutes.set(routeLabel(route), current);
  }

  // `strowger migrate` must never replace what exists without being told to: checked here,
  // with the reads above, so a peer created between its dry run and this import is refused too.
  if (options.ifExists === 'refuse' && existingPeers.size + existingRoutes.size > 0) {
    const named = [...[...existingPeers.keys()].map((name) => `peer ${name}`), ...[...existingRoutes.keys()].map((label) => `route ${label}`)];
    throw new ApiError('STROWGER_ERR_CONFLICT', `already exists: ${named.join(', ')} (ifExists is "refuse")`, 409);
  }
  const outcome: ImportOutcome = {
    dryRun: options.dryRun,
    peers: { created: [], updated: [] },
    routes: { created: [], updated: [] },
    warnings: capWarnings([...parsed.warnings, ...peerless.map((p) => ({ ...p, reason: `${p.reason}; imported anyway (force)` }))]),
  };
  for (const peer of parsed.peers) (existingPeers.has(peer.name) ? outcome.peers.updated : outcome.peers.created).push(peer.name);
  for (const route of parsed.routes) (existingRoutes.has(routeLabel(route)) ? outcome.routes.updated : outcome.routes.created).push(routeLabel(route));
  if (options.dryRun) return outcome;

  const undo: Undo[] = [];
  try {
    for (const peer of parsed.peers) {
      const current = existingPeers.get(peer.name);
      if (current === undefined) {
        await stores.peers.create(peer);
        undo.push(() => stores.peers.delete(peer.name, tenant, 1));
      } else {
        // An iax.conf names keys but cannot carry them: public keys already stored stay.
        const { version, updatedAt: _u, ...previous } = current;
        const written = await stores.peers.replace({ ...peer, publicKeys: { ...current.publicKeys, ...peer.publicKeys } }, version);
        undo.push(() => stores.peers.replace(previous, written.version));
      }
    }
    for (const route of parsed.routes) {
      const current = existingRoutes.get(routeLabel(route));
      if (current === undefined) {
        await stores.routes.put(route);
        undo.push(() => stores.routes.delete(tenant, route.context, route.pattern));
      } else {
        const { version, ...previous } = current;
        const written = await stores.routes.put(route, version);
        undo.push(() => stores.routes.put(previous, written.version));
      }
    }
  } catch (error) {
    for (const step of undo.reverse()) {
      await step().catch((undoError: unknown) => options.logger.error('import: undoing a write failed', { error: undoError, tenant }));
    }
    throw error;
  }
  return outcome;
}
