/**
 * More workers for `npm start` (STROWGER_WORKERS=N): each a process of its own, started from
 * the worker's own entry (services/worker/main.ts) against the embedded store, on its own
 * ports, in the mesh with the others. A worker that dies is started again, and the log says so.
 * Each start takes a fresh worker id, so the sweeper sees the dead one's calls as a dead
 * worker's and closes their CDRs. Stopping, each drains as on ECS (SIGTERM) with the platform's
 * drain deadline and hangs up what is left; a second SIGTERM hangs up at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../shared/logger.ts';
import type { BindAddress } from '../worker/bind-address.ts';

const WORKER_MAIN = fileURLToPath(new URL('../worker/main.ts', import.meta.url));
const RESTART_AFTER_MS = 1000;

export interface WorkerChild {
  /** 2, 3, ...: worker 1 runs in the platform's own process. */
  index: number;
  iax: BindAddress;
  mesh: BindAddress;
  status: BindAddress;
}

export interface WorkerChildrenOptions {
  children: readonly WorkerChild[];
  /** Table names and the store's endpoint, as the environment a worker reads. */
  storeEnv: Record<string, string>;
  meshSecret: string;
  minExpireS?: number;
  /** How long a stopping worker lets its calls finish before it hangs them up (STROWGER_DRAIN_SECONDS). */
  drainSeconds: number;
  logger: Logger;
}

/** What a worker takes after its drain deadline: the final HANGUPs (1.5 s), its CDRs written (up to 5 s), and some slack. */
const AFTER_DRAIN_MS = 10_000;

export class WorkerChildren {
  private readonly running = new Map<number, ChildProcess>();
  private stopping = false;

  constructor(private readonly options: WorkerChildrenOptions) {}

  start(): void {
    for (const child of this.options.children) this.spawn(child);
  }

  private spawn(spec: WorkerChild): void {
    const workerId = `${hostname()}-local-${spec.index}-${Date.now().toString(36)}`;
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], {
      env: {
        ...process.env,
        ...this.options.storeEnv,
        STROWGER_WORKER_ID: workerId,
        STROWGER_IAX_BIND: `${spec.iax.address}:${spec.iax.port}`,
        STROWGER_HEALTH_BIND: `${spec.status.address}:${spec.status.port}`,
        STROWGER_PRIVATE_ADDRESS: spec.mesh.address,
        STROWGER_MESH_BIND: `${spec.mesh.address}:${spec.mesh.port}`,
        STROWGER_MESH_SECRET: this.options.meshSecret,
        ...(this.options.minExpireS === undefined ? {} : { STROWGER_MINREGEXPIRE: String(this.options.minExpireS) }),
        STROWGER_METRICS: 'off',
        STROWGER_DRAIN_SECONDS: String(this.options.drainSeconds),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.running.set(spec.index, child);
    child.on('exit', (code, signal) => {
      this.running.delete(spec.index);
      if (this.stopping) return;
      this.options.logger.warn('a worker died; starting it again', { worker: workerId, code, signal, restartInMs: RESTART_AFTER_MS });
      setTimeout(() => {
        if (!this.stopping) this.spawn(spec);
      }, RESTART_AFTER_MS).unref();
    });
  }

  /**
   * SIGTERM to each: they drain as on ECS, hang up at their deadline and exit. One that has
   * not exited well after that is killed.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const killAfterMs = this.options.drainSeconds * 1000 + AFTER_DRAIN_MS;
    const exits = [...this.running.values()].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
    }));
    await Promise.all(exits);
  }

  /** A second SIGTERM: each hangs up its calls now instead of at its deadline. */
  hangUpNow(): void {
    for (const child of this.running.values()) child.kill('SIGTERM');
  }

  /** Calls that came in on these workers, as their status ports say (a worker whose port is not known counts none). */
  async activeCalls(): Promise<number> {
    const counts = await Promise.all(this.options.children.map(async ({ status }) => {
      if (status.port === 0) return 0;
      const host = status.address === '0.0.0.0' ? '127.0.0.1' : status.address === '::' ? '[::1]' : status.address.includes(':') ? `[${status.address}]` : status.address;
      try {
        const response = await fetch(`http://${host}:${status.port}/healthz`, { signal: AbortSignal.timeout(500) });
        return ((await response.json()) as { callsEntered?: number }).callsEntered ?? 0;
      } catch {
        return 0;
      }
    }));
    return counts.reduce((a, b) => a + b, 0);
  }
}
