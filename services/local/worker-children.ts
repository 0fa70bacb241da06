/**
 * `npm start`'s workers: each a process of its own, as each is a task of its own on ECS, so the
 * relay's CPU and memory are its own and not shared with the embedded store and the API.
 * Each runs the worker's own entry (services/worker/main.ts) against the embedded store, as
 * the prebuilt bundle (infra/bundling/build-local-worker.ts: built the way the image is) while
 * that is current, else the sources through tsx; on its own ports; with more than one, in one
 * mesh. A worker reports over IPC (services/worker/parent-channel.ts) when it is up and where,
 * and how its stop goes. A worker that dies is started again, and the log says so; each start
 * takes a fresh worker id, so the sweeper sees the dead one's calls as a dead worker's and
 * closes their CDRs. Stopping, each drains as on ECS (SIGTERM) with the platform's drain
 * deadline and hangs up what is left; a second SIGTERM hangs up at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../shared/logger.ts';
import { currentBundle, LOCAL_WORKER_BUNDLE_DIR } from '../../shared/prebuilt-bundle.mjs';
import type { BindAddress } from '../worker/bind-address.ts';
import type { DrainEnd } from '../worker/drain-wait.ts';
import type { WorkerReport } from '../worker/parent-channel.ts';
import type { DrainOutcome } from '../worker/worker.ts';

const WORKER_MAIN = fileURLToPath(new URL('../worker/main.ts', import.meta.url));
const RESTART_AFTER_MS = 1000;

export interface WorkerChild {
  /** 1, 2, ...: worker 1 takes the platform's own IAX2 and status settings. */
  index: number;
  iax: BindAddress;
  /** Its mesh endpoint; none with a single worker. */
  mesh?: BindAddress;
  status: BindAddress;
}

export interface WorkerChildrenOptions {
  children: readonly WorkerChild[];
  /** Table names, the store's endpoint and the like, as the environment a worker reads. */
  env: Record<string, string>;
  /** With the mesh: the deployment's secret. */
  meshSecret?: string;
  /** How long a stopping worker lets its calls finish before it hangs them up (STROWGER_DRAIN_SECONDS). */
  drainSeconds: number;
  logger: Logger;
}

/** Where a started worker is (the kernel's ports when 0 was asked). */
export interface RunningWorker {
  workerId: string;
  iax: BindAddress;
  status: BindAddress;
}

/** Why a worker could not start; a failed bind keeps its code, syscall and port (port-in-use.ts reads them). */
export class WorkerStartError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly syscall?: string,
    readonly port?: number,
  ) {
    super(message);
  }
}

/** What a worker takes after its drain deadline: the final HANGUPs (1.5 s), its CDRs written (up to 5 s), and some slack. */
const AFTER_DRAIN_MS = 10_000;

/** An address a bound socket is reached at from this machine: loopback for the wildcards. */
const reachable = (address: string): string => (address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address);

/** How the worker is run: the current bundle with plain node, else the sources through tsx. */
function workerCommand(): string[] {
  const bundle = currentBundle({ dir: LOCAL_WORKER_BUNDLE_DIR });
  return 'url' in bundle ? [fileURLToPath(bundle.url)] : ['--import', 'tsx', WORKER_MAIN];
}

export class WorkerChildren {
  private readonly running = new Map<number, ChildProcess>();
  private readonly where = new Map<number, RunningWorker>();
  private readonly outcomes = new Map<number, DrainOutcome>();
  private onHangUp: ((calls: number, legs: number, end: DrainEnd) => void) | undefined;
  private stopping = false;

  constructor(private readonly options: WorkerChildrenOptions) {}

  /** Starts every worker; resolves once all are up, rejects (the others stopped) if one cannot start. */
  async start(): Promise<RunningWorker[]> {
    const command = workerCommand();
    try {
      return await Promise.all(this.options.children.map((spec) => this.spawn(spec, command)));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Where each worker is, in index order (as last started). */
  get workers(): RunningWorker[] {
    return this.options.children.flatMap((spec) => this.where.get(spec.index) ?? []);
  }

  private spawn(spec: WorkerChild, command: string[]): Promise<RunningWorker> {
    const workerId = `${hostname()}-local-${spec.index}-${Date.now().toString(36)}`;
    const { env, meshSecret, drainSeconds } = this.options;
    const child = spawn(process.execPath, command, {
      env: {
        ...process.env,
        ...env,
        STROWGER_WORKER_ID: workerId,
        STROWGER_IAX_BIND: `${spec.iax.address}:${spec.iax.port}`,
        STROWGER_HEALTH_BIND: `${spec.status.address}:${spec.status.port}`,
        // Where the control plane reaches the worker's status port (calls in progress), and with
        // a mesh where the other workers reach it: this machine, not the first address the
        // worker would find on its interfaces.
        ...(spec.mesh === undefined || meshSecret === undefined
          ? { STROWGER_MESH: 'off', STROWGER_PRIVATE_ADDRESS: reachable(spec.status.address) }
          : { STROWGER_PRIVATE_ADDRESS: spec.mesh.address, STROWGER_MESH_BIND: `${spec.mesh.address}:${spec.mesh.port}`, STROWGER_MESH_SECRET: meshSecret }),
        STROWGER_METRICS: 'off',
        STROWGER_DRAIN_SECONDS: String(drainSeconds),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // A process group of its own: the terminal's Ctrl-C reaches the platform, which stops its
      // workers (SIGTERM) when it is ready to, never a worker still starting up.
      detached: true,
    });
    this.running.set(spec.index, child);
    const started = new Promise<RunningWorker>((resolve, reject) => {
      child.on('message', (report: WorkerReport) => {
        if (report.type === 'ready') {
          const running = { workerId: report.workerId, iax: report.iax, status: report.status };
          this.where.set(spec.index, running);
          resolve(running);
        } else if (report.type === 'failed') {
          reject(new WorkerStartError(report.message, report.code, report.syscall, report.port));
        } else if (report.type === 'hanging-up') {
          this.onHangUp?.(report.calls, report.legs, report.end);
        } else if (report.type === 'stopped') {
          this.outcomes.set(spec.index, report.outcome);
        }
      });
      child.once('exit', (code, signal) => reject(new WorkerStartError(`worker ${spec.index} exited before it was up (${signal ?? `code ${code}`})`)));
    });
    child.on('exit', (code, signal) => {
      if (this.running.get(spec.index) === child) this.running.delete(spec.index);
      if (this.stopping) return;
      this.options.logger.warn('a worker died; starting it again', { worker: workerId, code, signal, restartInMs: RESTART_AFTER_MS });
      setTimeout(() => {
        if (!this.stopping) this.spawn(spec, workerCommand()).catch((error: unknown) => this.options.logger.error('a worker did not start again', { error }));
      }, RESTART_AFTER_MS).unref();
    });
    return started;
  }

  /**
   * SIGTERM to each: they drain as on ECS, hang up at their deadline and exit. One that has
   * not exited well after that is killed. `onHangUp` hears each worker's hang-up; resolves
   * with the workers' outcomes added up.
   */
  async stop(onHangUp?: (calls: number, legs: number, end: DrainEnd) => void): Promise<DrainOutcome> {
    this.stopping = true;
    this.onHangUp = onHangUp;
    const killAfterMs = this.options.drainSeconds * 1000 + AFTER_DRAIN_MS;
    const exits = [...this.running.values()].map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
    }));
    await Promise.all(exits);
    const outcomes = [...this.outcomes.values()];
    return {
      // The way the last of them ended says how the platform's stop went.
      end: outcomes.some((o) => o.end === 'cut-short') ? 'cut-short' : outcomes.some((o) => o.end === 'deadline') ? 'deadline' : 'calls-ended',
      calls: outcomes.reduce((n, o) => n + o.calls, 0),
      legs: outcomes.reduce((n, o) => n + o.legs, 0),
      acknowledged: outcomes.reduce((n, o) => n + o.acknowledged, 0),
    };
  }

  /** A second SIGTERM: each hangs up its calls now instead of at its deadline. */
  hangUpNow(): void {
    for (const child of this.running.values()) child.kill('SIGTERM');
  }

  /** Calls that came in on these workers, as their status ports say (one not answering counts none). */
  async activeCalls(): Promise<number> {
    const counts = await Promise.all(this.workers.map(async ({ status }) => {
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
