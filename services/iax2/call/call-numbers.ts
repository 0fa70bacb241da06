/**
 * Local call numbers (protocol.md §0, §7.5). Normal calls draw at random from 2..16383 and
 * trunked caller legs from 16384..32767; 1 is kept for stateless replies. A released number
 * is held off for 60 s before reuse, and the per-IP count drops only when the hold-off ends.
 * Limits: `maxcallnumbers` per remote IP (default 2048, overridable per network and, by a
 * registered peer's own `maxcallnumbers` up to an operator ceiling, per IP), and
 * `maxcallnumbers_nonvalidated` (default 8192) across all calls without a validated token.
 *
 * Strowger adds a budget for dialogs still in setup (a token proved the address, nothing has
 * proved the caller yet): at most `maxInSetupPerIp` per IP and `maxInSetup` in all, released
 * after only SETUP_HOLD_OFF_MS. A dialog that authenticates is promoted out of it. So a flood
 * of valid-token NEWs that never authenticate can take a small share of the pool and no more:
 * authenticated calls, registered boxes and our own outbound legs keep the rest.
 */
import type { Clock } from '../../../shared/clock.ts';
import { StrowgerError } from '../../../shared/errors.ts';
import { addressBytes, networkContains, parseNetwork, type Network } from '../acl.ts';

export const CALLNO_HOLD_OFF_MS = 60_000;
/** A number that never got past setup: nothing of the caller's can still be in flight for long. */
export const SETUP_HOLD_OFF_MS = 5_000;
const NORMAL_FIRST = 2;
const NORMAL_LAST = 16383;
const TRUNK_FIRST = 16384;
const TRUNK_LAST = 32767;

export interface CallNumberLimits {
  maxPerIp?: number;
  maxNonValidated?: number;
  /** `[callnumberlimits]`: a different per-IP limit for addresses in a network. */
  networks?: ReadonlyArray<{ network: string; max: number }>;
  /** Numbers in setup (and their short hold-off) across everyone. Default 8192, a quarter of the pool. */
  maxInSetup?: number;
  /** Numbers in setup from one IP. Default 128. */
  maxInSetupPerIp?: number;
  /** The most a peer's own `maxcallnumbers` may raise its address's limit to (operator setting). Default 4096. */
  maxPerIpCeiling?: number;
}

export type AllocationRefusal = 'ip-limit' | 'nonvalidated-limit' | 'setup-limit' | 'exhausted';

/** No call number could be had for a call we place (a limit, or all in use or held off). */
export class CallNumberExhaustedError extends StrowgerError {
  constructor(
    readonly remote: string,
    readonly refusal: AllocationRefusal,
  ) {
    super('IAX2_ERR_NO_CALL_NUMBER', `no call number for ${remote}: ${refusal}`);
  }
}

interface Holding {
  ip: string;
  validated: boolean;
  /** Still counted in the setup budget. */
  setup: boolean;
}

/** A set of free numbers that yields a random member in O(1) (swap-remove). */
class RandomPool {
  private readonly free: number[] = [];
  private readonly index = new Map<number, number>();

  constructor(first: number, last: number) {
    for (let n = first; n <= last; n++) this.add(n);
  }

  get size(): number {
    return this.free.length;
  }

  add(n: number): void {
    this.index.set(n, this.free.length);
    this.free.push(n);
  }

  take(random: () => number): number | undefined {
    if (this.free.length === 0) return undefined;
    const at = Math.floor(random() * this.free.length);
    const n = this.free[at]!;
    const last = this.free.pop()!;
    if (last !== n) {
      this.free[at] = last;
      this.index.set(last, at);
    }
    this.index.delete(n);
    return n;
  }
}

export class CallNumberAllocator {
  private readonly normal = new RandomPool(NORMAL_FIRST, NORMAL_LAST);
  private readonly trunk = new RandomPool(TRUNK_FIRST, TRUNK_LAST);
  private readonly holdings = new Map<number, Holding>();
  private readonly perIp = new Map<string, number>();
  private readonly setupPerIp = new Map<string, number>();
  private inSetup = 0;
  /** Registered peers' own limits: IP -> peer -> maxcallnumbers (the largest applies). */
  private readonly ipOverrides = new Map<string, Map<string, number>>();
  private readonly networkLimits: Array<{ network: Network; max: number }>;
  private readonly maxPerIp: number;
  private readonly maxNonValidated: number;
  private readonly maxInSetup: number;
  private readonly maxInSetupPerIp: number;
  private readonly maxPerIpCeiling: number;
  private nonValidated = 0;
  private readonly holdTimers = new Set<ReturnType<Clock['setTimer']>>();

  constructor(
    private readonly clock: Clock,
    limits: CallNumberLimits = {},
    private readonly random: () => number = Math.random,
  ) {
    this.maxPerIp = limits.maxPerIp ?? 2048;
    this.maxNonValidated = limits.maxNonValidated ?? 8192;
    this.maxInSetup = limits.maxInSetup ?? 8192;
    this.maxInSetupPerIp = limits.maxInSetupPerIp ?? 128;
    this.maxPerIpCeiling = limits.maxPerIpCeiling ?? 4096;
    this.networkLimits = (limits.networks ?? []).map((n) => ({ network: parseNetwork(n.network), max: n.max }));
  }

  /**
   * `peer`'s own `maxcallnumbers` for the address it registered from (undefined: it left, or has
   * none). Capped at the operator's ceiling; with several peers behind one address the largest
   * applies, and the override goes when the last of them does.
   */
  setIpLimit(ip: string, peer: string, max: number | undefined): void {
    let byPeer = this.ipOverrides.get(ip);
    if (max === undefined) {
      byPeer?.delete(peer);
      if (byPeer?.size === 0) this.ipOverrides.delete(ip);
      return;
    }
    if (byPeer === undefined) {
      byPeer = new Map();
      this.ipOverrides.set(ip, byPeer);
    }
    byPeer.set(peer, Math.min(max, this.maxPerIpCeiling));
  }

  limitFor(ip: string): number {
    const byPeer = this.ipOverrides.get(ip);
    if (byPeer !== undefined) return Math.max(...byPeer.values());
    const bytes = addressBytes(ip);
    if (bytes !== undefined) {
      for (const limit of this.networkLimits) if (networkContains(limit.network, bytes)) return limit.max;
    }
    return this.maxPerIp;
  }

  /** Whether `allocate` would succeed, without taking anything. */
  check(ip: string, validated: boolean, setup = false): AllocationRefusal | undefined {
    if ((this.perIp.get(ip) ?? 0) >= this.limitFor(ip)) return 'ip-limit';
    if (!validated && this.nonValidated >= this.maxNonValidated) return 'nonvalidated-limit';
    if (setup && (this.inSetup >= this.maxInSetup || (this.setupPerIp.get(ip) ?? 0) >= this.maxInSetupPerIp)) return 'setup-limit';
    return undefined;
  }

  /** A number for a dialog with `ip`; `setup`: an inbound dialog nothing has authenticated yet (see above). */
  allocate(ip: string, validated: boolean, trunk = false, setup = false): number | AllocationRefusal {
    const refusal = this.check(ip, validated, setup);
    if (refusal !== undefined) return refusal;
    const n = (trunk ? this.trunk : this.normal).take(this.random) ?? (trunk ? this.normal : this.trunk).take(this.random);
    if (n === undefined) return 'exhausted';
    this.holdings.set(n, { ip, validated, setup });
    bump(this.perIp, ip, 1);
    if (!validated) this.nonValidated++;
    if (setup) {
      this.inSetup++;
      bump(this.setupPerIp, ip, 1);
    }
    return n;
  }

  /** The dialog on `n` authenticated: it leaves the setup budget. */
  promote(n: number): void {
    const holding = this.holdings.get(n);
    if (holding === undefined || !holding.setup) return;
    holding.setup = false;
    this.leaveSetup(holding.ip);
  }

  /**
   * Gives the number back after the hold-off (60 s, or SETUP_HOLD_OFF_MS for a dialog that
   * never authenticated); counts drop then, as Asterisk's do.
   */
  release(n: number): void {
    const holding = this.holdings.get(n);
    if (holding === undefined) return;
    this.holdings.delete(n);
    const timer = this.clock.setTimer(holding.setup ? SETUP_HOLD_OFF_MS : CALLNO_HOLD_OFF_MS, () => {
      this.holdTimers.delete(timer);
      (n >= TRUNK_FIRST ? this.trunk : this.normal).add(n);
      bump(this.perIp, holding.ip, -1);
      if (!holding.validated) this.nonValidated--;
      if (holding.setup) this.leaveSetup(holding.ip);
    });
    this.holdTimers.add(timer);
  }

  private leaveSetup(ip: string): void {
    this.inSetup--;
    bump(this.setupPerIp, ip, -1);
  }

  isHeld(n: number): boolean {
    return this.holdings.has(n);
  }

  /** Numbers counted against `ip`, including those in hold-off. */
  countFor(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  get stats(): { inUse: number; holdingOff: number; nonValidated: number; inSetup: number; free: number } {
    return {
      inUse: this.holdings.size,
      holdingOff: this.holdTimers.size,
      nonValidated: this.nonValidated,
      inSetup: this.inSetup,
      free: this.normal.size + this.trunk.size,
    };
  }

  close(): void {
    for (const timer of this.holdTimers) this.clock.clearTimer(timer);
    this.holdTimers.clear();
  }
}

/** Adds `delta` to a per-key count, dropping keys that reach zero (so idle addresses cost nothing). */
function bump(counts: Map<string, number>, key: string, delta: number): void {
  const count = (counts.get(key) ?? 0) + delta;
  if (count <= 0) counts.delete(key);
  else counts.set(key, count);
}

export const CALLNO_RANGES = { NORMAL_FIRST, NORMAL_LAST, TRUNK_FIRST, TRUNK_LAST } as const;
