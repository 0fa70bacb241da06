/**
 * The whole platform on one machine: dynalite persisted in the data folder, the tables, the
 * control plane (API adapter, authorizer, sweeper, stream emulation) and one worker sharing
 * the stores, or several in a worker mesh. `npm start` runs it; the tests start it the same way.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { SystemClock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { silentLogger } from '../../shared/logger.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';
import { hashApiKey } from '../control/auth/api-keys.ts';
import type { ControlSettings } from '../control/control-settings.ts';
import { startLocalControl, type LocalControl } from '../control/local/local-control.ts';
import type { BindAddress } from '../worker/bind-address.ts';
import { StoreHealth } from '../worker/store-health.ts';
import type { DrainEnd } from '../worker/drain-wait.ts';
import { startWorker, type DrainOutcome, type Worker } from '../worker/worker.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded-dynamo.ts';
import { meshSecret } from './mesh-secret-file.ts';
import { WorkerChildren, type WorkerChild } from './worker-children.ts';
import { operatorKey } from './operator-key.ts';

export interface PlatformOptions {
  dataDir: string;
  iax: BindAddress;
  api: BindAddress;
  status: BindAddress;
  adminKey?: string;
  logger?: Logger;
  sweepEveryMs?: number;
  minExpireS?: number;
  debugPeers?: ReadonlySet<string>;
  /** The operator's API settings; the allowed peer networks reach the in-process worker too. */
  settings?: Partial<ControlSettings>;
  /**
   * How many workers (default 1). Worker 1 runs in this process on `iax` and `status`; worker
   * k runs as its own process on the IAX2 port 2(k-1) above it and the status port k-1 above,
   * all of them in one worker mesh (mesh port: the IAX2 port + 1) over the shared store.
   */
  workers?: number;
  /** When a silent worker counts as gone (its calls closed by the sweeper); heartbeats come three times as often. Default 30 s. */
  workerStaleMs?: number;
  /** Stopping: how long calls may go on before they are hung up, in whole seconds (default 5). */
  drainSeconds?: number;
}

export interface Platform {
  dynamo: EmbeddedDynamo;
  control: LocalControl;
  worker: Worker;
  /** Where each worker takes IAX2 (worker 1 first). */
  workerPorts: Array<{ iax: BindAddress; status: BindAddress }>;
  operatorKey: string;
  operatorKeyCreated: boolean;
  /** Calls in progress, each counted once, on the worker it came in by (the other workers' as their status ports say). */
  activeCalls(): Promise<number>;
  /**
   * Ctrl-C: every worker refuses new calls and lets its calls finish, up to the drain deadline
   * or hangUpNow(), then hangs up those still up (HANGUP on both legs, CDRs closed). Resolves
   * with worker 1's outcome once every worker is done; `onHangUp` hears when worker 1 hangs up.
   */
  drain(onHangUp?: (calls: number, legs: number, end: DrainEnd) => void): Promise<DrainOutcome>;
  /** A second Ctrl-C: every worker hangs up its calls now. */
  hangUpNow(): void;
  close(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const logger = options.logger ?? silentLogger;
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const { key, created } = operatorKey(options.dataDir, options.adminKey);
  // The in-process worker shares the control plane's client: its health sees every call on it.
  const storeHealth = new StoreHealth({ clock: new SystemClock(), logger: logger.child({ service: 'worker', component: 'store' }) });
  const dynamo = await startEmbeddedDynamo(join(options.dataDir, 'dynamo'), storeHealth);
  const names = prefixedTableNames('strowger');
  try {
    await createTables(dynamo.client, names);
    const control = await startLocalControl({
      client: dynamo.client,
      names,
      operatorKeyHash: hashApiKey(key),
      host: options.api.address,
      port: options.api.port,
      logger: logger.child({ service: 'control' }),
      sweepEveryMs: options.sweepEveryMs ?? 5000,
      ...(options.workerStaleMs === undefined ? {} : { workerStaleMs: options.workerStaleMs }),
      ...(options.settings === undefined ? {} : { settings: options.settings }),
    });
    const count = options.workers ?? 1;
    const drainSeconds = options.drainSeconds ?? 5;
    const local = options.iax.address === '0.0.0.0' || options.iax.address === '::' ? '127.0.0.1' : options.iax.address;
    const secret = count > 1 ? meshSecret(options.dataDir) : undefined;
    const heartbeatMs = options.workerStaleMs === undefined ? undefined : Math.min(10_000, Math.floor(options.workerStaleMs / 3));
    const worker = await startWorker({
      // New with every start: a crashed platform's calls belong to a worker that is gone, and
      // the sweeper closes them once its heartbeat is stale.
      workerId: `${hostname()}-local-1-${Date.now().toString(36)}`,
      ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
      stores: control.stores,
      storeHealth,
      iax: options.iax,
      status: options.status,
      logger: logger.child({ service: 'worker' }),
      ...(options.minExpireS === undefined ? {} : { minExpireS: options.minExpireS }),
      ...(options.debugPeers === undefined ? {} : { debugPeers: options.debugPeers }),
      ...(options.settings?.allowedPeerNetworks === undefined ? {} : { allowedPeerNetworks: options.settings.allowedPeerNetworks }),
      ...(secret === undefined ? {} : { privateAddress: local, mesh: { bind: { address: local, port: options.iax.port + 1 }, secret } }),
    }).catch(async (error: unknown) => {
      await control.close();
      throw error;
    });
    const children: WorkerChild[] = [];
    for (let index = 2; index <= count; index++) {
      const iaxPort = options.iax.port + 2 * (index - 1);
      children.push({
        index,
        iax: { address: options.iax.address, port: iaxPort },
        mesh: { address: local, port: iaxPort + 1 },
        // Port 0 (tests): each picks its own.
        status: { address: options.status.address, port: options.status.port === 0 ? 0 : options.status.port + index - 1 },
      });
    }
    const others = new WorkerChildren({
      children,
      storeEnv: {
        ...tableNameEnv(names),
        STROWGER_DYNAMODB_ENDPOINT: dynamo.endpoint,
        AWS_REGION: 'local',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        ...(heartbeatMs === undefined ? {} : { STROWGER_HEARTBEAT_MS: String(heartbeatMs), STROWGER_WORKER_STALE_MS: String(options.workerStaleMs) }),
      },
      meshSecret: secret ?? '',
      drainSeconds,
      ...(options.minExpireS === undefined ? {} : { minExpireS: options.minExpireS }),
      logger: logger.child({ service: 'workers' }),
    });
    others.start();
    return {
      dynamo,
      control,
      worker,
      workerPorts: [{ iax: options.iax, status: options.status }, ...children.map((c) => ({ iax: c.iax, status: c.status }))],
      operatorKey: key,
      operatorKeyCreated: created,
      async activeCalls() {
        return worker.switch.enteredCount + await others.activeCalls();
      },
      async drain(onHangUp) {
        const [outcome] = await Promise.all([worker.drain(drainSeconds * 1000, onHangUp), others.stop()]);
        return outcome;
      },
      hangUpNow() {
        worker.hangUpNow();
        others.hangUpNow();
      },
      async close() {
        await others.stop();
        await worker.close();
        await control.close();
        await dynamo.stop();
      },
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
}
