/**
 * How `npm start`'s platform stops, and what it tells the operator meanwhile. The first
 * request (Ctrl-C, SIGTERM, the supervisor gone) drains: new calls are refused and the calls
 * up may finish, up to the drain deadline; a line says how many and how long. At the deadline,
 * or at once on a second request, every call still up is hung up (HANGUP on both legs, CDRs
 * closed) and a line says so; then the platform closes and the process exits 0.
 */
import type { DrainEnd } from '../worker/drain-wait.ts';
import type { DrainOutcome } from '../worker/worker.ts';

export interface StoppablePlatform {
  activeCalls(): Promise<number>;
  drain(onHangUp?: (calls: number, legs: number, end: DrainEnd) => void): Promise<DrainOutcome>;
  hangUpNow(): void;
  close(): Promise<void>;
}

export interface PlatformStopOptions {
  drainSeconds: number;
  /** One line for the operator. */
  say(line: string): void;
  /** The first request arrived: the supervisor must not start the platform again. */
  stopping(): void;
  exit(code: number): void;
}

const calls = (n: number): string => `${n} call${n === 1 ? '' : 's'}`;

/** Returns what to do with each stop request (its ordinal: 1 drains, 2 hangs up now; repeats are 0). */
export function platformStop(platform: StoppablePlatform, options: PlatformStopOptions): (request: number) => void {
  const say = (line: string): void => options.say(line);
  return (request) => {
    if (request === 2) platform.hangUpNow();
    if (request !== 1) return;
    options.stopping();
    const drained = platform.drain((count, legs, end) => {
      const what = `${calls(count)}, HANGUP sent on ${legs} leg${legs === 1 ? '' : 's'}`;
      say(end === 'deadline' ? `drain deadline reached: hanging up ${what}` : `hanging up now: ${what}`);
    });
    void platform.activeCalls().then((count) => {
      say(count === 0
        ? 'stopping: no calls in progress'
        : `draining: ${calls(count)} in progress, up to ${options.drainSeconds} s; Ctrl-C again to hang ${count === 1 ? 'it' : 'them'} up now`);
    });
    void (async () => {
      try {
        const outcome = await drained;
        await platform.close();
        say(outcome.legs === 0 ? 'stopped' : `stopped (${outcome.acknowledged} of ${outcome.legs} HANGUPs acknowledged)`);
        options.exit(0);
      } catch (error) {
        say(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        options.exit(1);
      }
    })();
  };
}
