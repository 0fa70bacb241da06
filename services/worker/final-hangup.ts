/**
 * The last second of a stopping worker: the calls it still had were just hung up (HANGUP sent
 * on every leg), and each HANGUP is given a short, bounded while to be acknowledged. The usual
 * schedule (retransmissions at 2, 12 and 22 s, protocol.md §4.4) is far longer than a process
 * that was asked to stop may take, so the unacknowledged HANGUPs are sent again every
 * `resendEveryMs` inside the wait; what is still unacknowledged at its end is given up.
 */
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { Call } from '../iax2/call/call.ts';

export interface FinalHangupTiming {
  /** How long the last ACKs are waited for (default 1500 ms). */
  waitMs?: number;
  /** How often an unacknowledged HANGUP is sent again inside that wait (default 500 ms). */
  resendEveryMs?: number;
}

export const FINAL_HANGUP_WAIT_MS = 1500;
export const FINAL_HANGUP_RESEND_MS = 500;

/** A leg whose HANGUP is out: closed once the far end acknowledges it. */
export type HangingUpLeg = Pick<Call, 'closed' | 'retransmitNow' | 'events'>;

export interface FinalHangupOutcome {
  /** Legs whose HANGUP was acknowledged within the wait. */
  acknowledged: number;
  /** Legs still waiting when it ended (given up: the process is going). */
  unanswered: number;
}

export function awaitHangups(legs: readonly HangingUpLeg[], clock: Clock, timing: FinalHangupTiming = {}): Promise<FinalHangupOutcome> {
  const waitMs = timing.waitMs ?? FINAL_HANGUP_WAIT_MS;
  const resendEveryMs = timing.resendEveryMs ?? FINAL_HANGUP_RESEND_MS;
  const open = (): HangingUpLeg[] => legs.filter((leg) => !leg.closed);
  return new Promise((resolve) => {
    const until = clock.now() + waitMs;
    let timer: TimerHandle | undefined;
    const unsubscribe: Array<() => void> = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clock.clearTimer(timer);
      for (const off of unsubscribe) off();
      const unanswered = open().length;
      resolve({ acknowledged: legs.length - unanswered, unanswered });
    };
    const tick = (): void => {
      const waiting = open();
      const left = until - clock.now();
      if (waiting.length === 0 || left <= 0) return finish();
      for (const leg of waiting) leg.retransmitNow();
      timer = clock.setTimer(Math.min(resendEveryMs, left), tick);
    };
    for (const leg of open()) unsubscribe.push(leg.events.once('closed', () => {
      if (open().length === 0) finish();
    }));
    if (open().length === 0) return finish();
    timer = clock.setTimer(Math.min(resendEveryMs, waitMs), tick);
  });
}
