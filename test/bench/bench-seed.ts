// The tenant of the relay benchmarks: `pairs` caller users aK (context inK) and callee friends
// bK that register and are qualified, route _X. in inK → IAX2/bK/${EXTEN}, trunk=yes on both
// when trunked, with or without per-entry timestamps.
import type { Stores } from '../../shared/store/stores.ts';

export interface SeedOptions {
  /** Pairs seeded so far are kept; these are added. */
  from: number;
  to: number;
  trunk: boolean;
  trunkTimestamps: boolean;
}

export async function seedBoxPairs(stores: Stores, { from, to, trunk, trunkTimestamps }: SeedOptions): Promise<void> {
  if (from === 0) await stores.tenants.create({ tenantId: 'bench', name: 'bench', limits: { maxPeers: 100_000, maxConcurrentCalls: 100_000, callsPerSecond: 100_000 } });
  const ulaw = [{ allow: false, codec: 'all' as const }, { allow: true, codec: 'ulaw' as const }];
  for (let k = from; k < to; k++) {
    await stores.peers.create({ name: `a${k}`, tenant: 'bench', type: 'user', secrets: [`sa${k}`], contexts: [`in${k}`], trunk, trunktimestamps: trunkTimestamps, codecs: ulaw });
    await stores.peers.create({ name: `b${k}`, tenant: 'bench', type: 'friend', host: 'dynamic', secrets: [`sb${k}`], contexts: ['none'], trunk, trunktimestamps: trunkTimestamps, qualify: 2000, codecs: ulaw });
    await stores.routes.put({ tenant: 'bench', context: `in${k}`, pattern: '_X.', destinations: [{ dial: `IAX2/b${k}/\${EXTEN}`, target: { peer: `b${k}`, extension: '${EXTEN}' } }] });
  }
}
