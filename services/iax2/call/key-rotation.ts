/**
 * When an encrypted call replaces its transmit key (RTKEY, protocol.md §11.5): the first time at
 * the call's first voice frame, then every RTKEY_BASE_MS plus up to RTKEY_SPREAD_MS at random,
 * only when the peer offered rotation in its NEW (protocol.md §11.1). What a rotation does (send
 * the new key under the old one, then use it) is the call's; this keeps only the schedule.
 */
import { randomInt } from 'node:crypto';
import type { Clock, TimerHandle } from '../../../shared/clock.ts';

/** Key rotation: every 120 s plus up to 180 s at random, after the first at the first voice (protocol.md §11.5). */
export const RTKEY_BASE_MS = 120_000;
export const RTKEY_SPREAD_MS = 180_000;

export class KeyRotation {
  /** Rotations done so far. */
  count = 0;
  private started = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    /** Sends a new key and uses it; false when the call cannot (not encrypted, closed). */
    private readonly rotate: () => boolean,
    /** Whether the peer offered rotation (then we rotate our key from the first voice on). */
    readonly enabled: boolean,
  ) {}

  /** A voice frame is about to go: the first one starts the rotations. */
  voiceSending(): void {
    if (!this.enabled || this.started) return;
    this.started = true;
    this.now();
  }

  /** Rotates now and schedules the next one. */
  now(): void {
    if (!this.rotate()) return;
    this.count++;
    this.clock.clearTimer(this.timer);
    this.timer = this.clock.setTimer(RTKEY_BASE_MS + randomInt(RTKEY_SPREAD_MS + 1), () => this.now());
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
