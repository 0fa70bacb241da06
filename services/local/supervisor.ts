/**
 * `npm start` keeps the platform up: the platform runs in a child process, and when that dies
 * without being asked to (a crash, the OOM killer, kill -9) it is started again after a second
 * and the supervisor says so. The new process is a new worker (a new id), so what the dead one
 * left open is closed by the sweeper once its heartbeat is stale. A child that fails before it
 * is up (a port in use, a bad setting) is not retried: its message is the answer. Five deaths
 * within a minute and the supervisor gives up rather than loop.
 *
 * SIGINT and SIGTERM are passed on (Ctrl-C reaches both processes anyway; the child counts
 * the two as one request, shared/stop-requests.ts): the child drains and exits, and the
 * supervisor waits for it and exits with its code. A child asked to stop by other means (kill
 * <its pid>) says so (`{ type: 'stopping' }`) and is not started again either.
 */
import type { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  /** Starts the platform process; it sends `{ type: 'ready' }` over IPC once up. */
  spawnChild(): ChildProcess;
  /** One line for the operator (stderr). */
  say(line: string): void;
  restartAfterMs?: number;
  /** Deaths within `windowMs` after which it gives up. */
  maxDeaths?: number;
  windowMs?: number;
}

/** Runs the platform until it is stopped or gives up; resolves with the exit code to use. */
export function supervise(options: SupervisorOptions): Promise<number> {
  const restartAfterMs = options.restartAfterMs ?? 1000;
  const maxDeaths = options.maxDeaths ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const deaths: number[] = [];
  let stopping = false;
  let child: ChildProcess | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    const forward = (signal: NodeJS.Signals): void => {
      stopping = true;
      if (restartTimer !== undefined) {
        clearTimeout(restartTimer);
        resolve(0);
        return;
      }
      child?.kill(signal);
    };
    process.on('SIGINT', () => forward('SIGINT'));
    process.on('SIGTERM', () => forward('SIGTERM'));
    const start = (): void => {
      let ready = false;
      const current = options.spawnChild();
      child = current;
      current.on('message', (message: unknown) => {
        const type = (message as { type?: unknown } | null)?.type;
        if (type === 'ready') ready = true;
        if (type === 'stopping') stopping = true;
      });
      current.on('exit', (code, signal) => {
        child = undefined;
        if (stopping || !ready) return resolve(code ?? (signal === null ? 0 : 1));
        const now = Date.now();
        deaths.push(now);
        while (deaths.length > 0 && now - deaths[0]! > windowMs) deaths.shift();
        const how = signal !== null ? `signal ${signal}` : `exit code ${code ?? '?'}`;
        if (deaths.length >= maxDeaths) {
          options.say(`strowger: the platform stopped unexpectedly (${how}), ${deaths.length} times within ${Math.round(windowMs / 1000)} s; giving up`);
          return resolve(1);
        }
        options.say(`strowger: the platform stopped unexpectedly (${how}); starting it again in ${restartAfterMs / 1000} s. Calls it had are ended; their records are closed once its heartbeat lapses.`);
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          start();
        }, restartAfterMs);
      });
    };
    start();
  });
}
