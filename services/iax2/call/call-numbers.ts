/**
 * Local call numbers (protocol.md §0, §7.5). Normal calls draw at random from 2..16383 and
 * trunked caller legs from 16384..32767; 1 is kept for stateless replies. A released number
 * is held off for 60 s before reuse, and the per-IP count drops only when the hold-off ends.
 * Limits: `maxcallnumbers` per remote IP (default 2048, overridable per network and per IP),
 * and `maxcallnumbers_nonvalidated` (default 8192) across all calls without a validated token.
 */
import type { Clock } from '../../../shared/clock.ts';
import { StrowgerError } from '../../../shared/errors.ts';
import { addressBytes, networkContains, parseNetwork, type Network } from '../acl.ts';

export const CALLNO_HOLD_OFF_MS = 60_000;
const NORMAL_FIRST = 2;
const NORMAL_LAST = 16383;
const TRUNK_FIRST = 16384;
const TRUNK_LAST = 32767;

export interface CallNumberLimits {
  maxPerIp?: number;
  maxNonValidated?: number;
  /** `[callnumberlimits]`: a different per-IP limit for addresses in a network. */
  networks?: ReadonlyArray<{ network: string; max: number }>;
}

export type AllocationRefusal = 'ip-limit' | 'nonvalidated-limit' | 'exhausted';

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
  private readonly ipOverrides = new Map<string, number>();
  private readonly networkLimits: Array<{ network: Network; max: number }>;
  private readonly maxPerIp: number;
  private readonly maxNonValidated: number;
  private nonValidated = 0;
  private readonly holdTimers = new Set<ReturnType<Clock['setTimer']>>();

  constructor(
    private readonly clock: Clock,
    limits: CallNumberLimits = {},
    private readonly random: () => number = Math.random,
  ) {
    this.maxPerIp = limits.maxPerIp ?? 2048;
    this.maxNonValidated = limits.maxNonValidated ?? 8192;
    this.networkLimits = (limits.networks ?? []).map((n) => ({ network: parseNetwork(n.network), max: n.max }));
  }

  /** A peer's own `maxcallnumbers`, applied to its address once it registers. */
  setIpLimit(ip: string, max: number | undefined): void {
    if (max === undefined) this.ipOverrides.delete(ip);
    else this.ipOverrides.set(ip, max);
  }

  limitFor(ip: string): number {
    const override = this.ipOverrides.get(ip);
    if (override !== undefined) return override;
    const bytes = addressBytes(ip);
    if (bytes !== undefined) {
      for (const limit of this.networkLimits) if (networkContains(limit.network, bytes)) return limit.max;
    }
    return this.maxPerIp;
  }

  /** Whether `allocate` would succeed, without taking anything. */
  check(ip: string, validated: boolean): AllocationRefusal | undefined {
    if ((this.perIp.get(ip) ?? 0) >= this.limitFor(ip)) return 'ip-limit';
    if (!validated && this.nonValidated >= this.maxNonValidated) return 'nonvalidated-limit';
    return undefined;
  }

  allocate(ip: string, validated: boolean, trunk = false): number | AllocationRefusal {
    const refusal = this.check(ip, validated);
    if (refusal !== undefined) return refusal;
    const n = (trunk ? this.trunk : this.normal).take(this.random) ?? (trunk ? this.normal : this.trunk).take(this.random);
    if (n === undefined) return 'exhausted';
    this.holdings.set(n, { ip, validated });
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    if (!validated) this.nonValidated++;
    return n;
  }

  /** Gives the number back after the hold-off; counts drop then, as Asterisk's do. */
  release(n: number): void {
    const holding = this.holdings.get(n);
    if (holding === undefined) return;
    this.holdings.delete(n);
    const timer = this.clock.setTimer(CALLNO_HOLD_OFF_MS, () => {
      this.holdTimers.delete(timer);
      (n >= TRUNK_FIRST ? this.trunk : this.normal).add(n);
      const count = (this.perIp.get(holding.ip) ?? 1) - 1;
      if (count <= 0) this.perIp.delete(holding.ip);
      else this.perIp.set(holding.ip, count);
      if (!holding.validated) this.nonValidated--;
    });
    this.holdTimers.add(timer);
  }

  isHeld(n: number): boolean {
    return this.holdings.has(n);
  }

  /** Numbers counted against `ip`, including those in hold-off. */
  countFor(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  get stats(): { inUse: number; holdingOff: number; nonValidated: number; free: number } {
    return {
      inUse: this.holdings.size,
      holdingOff: this.holdTimers.size,
      nonValidated: this.nonValidated,
      free: this.normal.size + this.trunk.size,
    };
  }

  close(): void {
    for (const timer of this.holdTimers) this.clock.clearTimer(timer);
    this.holdTimers.clear();
  }
}

export const CALLNO_RANGES = { NORMAL_FIRST, NORMAL_LAST, TRUNK_FIRST, TRUNK_LAST } as const;
