/**
 * Password guessing, slowed down (docs/architecture.md §9). Every failed challenge (a wrong
 * answer, or an unknown name's decoy: the same thing from outside) is counted for its source
 * address and for the name it tried, and calls and registrations share the counts:
 *
 * - **Per name, a growing delay.** The refusal of a failure waits `delayreject` doubled for
 *   every few recent failures of that name (up to `maxDelayMs`). The box that really holds the
 *   secret is never slowed: a right answer is never delayed, and failures from the address the
 *   peer is registered at wait only the base delay and do not count.
 * - **Per address, a pause.** An address with `addressLimit` failures inside `windowMs` gets no
 *   new dialogs for `pauseMs`, doubled each time it happens again (up to `maxPauseMs`). Tokens
 *   prove the address, so nobody can get someone else's address paused by spoofing it.
 *
 * Memory is bounded: the least recently failing names and addresses are forgotten first.
 */
import type { Clock } from '../../../shared/clock.ts';
import { addressKey, type RemoteAddress } from '../transport.ts';

export interface AuthFailureOptions {
  /** The longest a refusal waits (ms). Default 16 s, inside the engine's 30 s setup deadline. */
  maxDelayMs?: number;
  /** Failures of one name inside `windowMs` before its refusals start to wait longer. Default 3. */
  nameGrace?: number;
  /** Failures from one IP inside `windowMs` that pause it. Default 20. */
  addressLimit?: number;
  /** The window both counts are kept over (ms). Default 5 minutes. */
  windowMs?: number;
  /** The first pause of an address (ms). Default 60 s. */
  pauseMs?: number;
  /** The longest pause (ms). Default 15 minutes. */
  maxPauseMs?: number;
  /** Names and addresses remembered at most, each. Default 16,384. */
  maxEntries?: number;
}

interface Recent {
  /** Failures inside the window (decayed by restarting the window when it has passed). */
  count: number;
  windowStart: number;
  /** Address only: paused until then, and how many pauses so far. */
  pausedUntil: number;
  pauses: number;
}

export type AuthFailureKind = 'call' | 'registration';

export class AuthFailures {
  private readonly names = new Map<string, Recent>();
  private readonly addresses = new Map<string, Recent>();
  private readonly maxDelayMs: number;
  private readonly nameGrace: number;
  private readonly addressLimit: number;
  private readonly windowMs: number;
  private readonly pauseMs: number;
  private readonly maxPauseMs: number;
  private readonly maxEntries: number;
  /** Failures so far, by kind (for `/metrics`). */
  readonly counts: Record<AuthFailureKind, number> = { call: 0, registration: 0 };
  /** Requests refused because their address was paused. */
  pausedRefusals = 0;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    options: AuthFailureOptions = {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? 16_000;
    this.nameGrace = options.nameGrace ?? 3;
    this.addressLimit = options.addressLimit ?? 20;
    this.windowMs = options.windowMs ?? 300_000;
    this.pauseMs = options.pauseMs ?? 60_000;
    this.maxPauseMs = options.maxPauseMs ?? 900_000;
    this.maxEntries = options.maxEntries ?? 16_384;
  }

  /** True while new dialogs from this IP are refused. */
  paused(ip: string): boolean {
    const recent = this.addresses.get(ip);
    if (recent === undefined || recent.pausedUntil <= this.clock.now()) return false;
    this.pausedRefusals++;
    return true;
  }

  /**
   * A challenge for `name` from `from` failed. Returns how long its refusal should wait, from
   * `base` (the owner's `delayreject`; 0 means refusals never wait). `registered`: where
   * `name` is registered now, if anywhere.
   */
  failed(kind: AuthFailureKind, name: string | undefined, from: RemoteAddress, registered: RemoteAddress | undefined, base: number): number {
    this.counts[kind]++;
    if (registered !== undefined && addressKey(registered) === addressKey(from)) return base;
    const now = this.clock.now();
    const address = this.touch(this.addresses, from.address, now);
    if (address.count >= this.addressLimit && address.pausedUntil <= now) {
      address.pausedUntil = now + Math.min(this.maxPauseMs, this.pauseMs * 2 ** address.pauses);
      address.pauses++;
      address.count = 0;
      address.windowStart = now;
    }
    if (name === undefined || name === '') return base;
    const recent = this.touch(this.names, name, now);
    const over = recent.count - this.nameGrace;
    if (over <= 0 || base <= 0) return base;
    return Math.min(this.maxDelayMs, base * 2 ** Math.min(over, 16));
  }

  /** Counts one failure for `key`, restarting its window when the last one has passed. */
  private touch(map: Map<string, Recent>, key: string, now: number): Recent {
    let recent = map.get(key);
    if (recent === undefined) {
      if (map.size >= this.maxEntries) map.delete(map.keys().next().value!);
      recent = { count: 0, windowStart: now, pausedUntil: 0, pauses: 0 };
    } else {
      map.delete(key);
    }
    if (now - recent.windowStart >= this.windowMs) {
      recent.count = 0;
      recent.windowStart = now;
      // A pause long past is forgiven too; one still running is kept.
      if (recent.pausedUntil <= now) recent.pauses = 0;
    }
    recent.count++;
    map.set(key, recent);
    return recent;
  }

  /** Names and addresses remembered now. */
  get size(): { names: number; addresses: number } {
    return { names: this.names.size, addresses: this.addresses.size };
  }
}
