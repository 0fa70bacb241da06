/**
 * The whole platform on one machine: dynalite persisted in the data folder, the tables, the
 * control plane (API adapter, authorizer, sweeper, stream emulation) in this process, and the
 * workers each in a process of their own against the embedded store, as on ECS (one, or
 * several in a worker mesh: worker-children.ts). `npm start` runs it; the tests start it the
 * same way.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.ts';
import { silentLogger } from '../../shared/logger.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames, tableNameEnv } from '../../shared/store/store-config.ts';
import { hashApiKey } from '../control/auth/api-keys.ts';
import type { ControlSettings } from '../control/control-settings.ts';
import { startLocalControl, type LocalControl } from '../control/local/local-control.ts';
import type { BindAddress } from '../worker/bind-address.ts';
import type { DrainEnd } from '../worker/drain-wait.ts';
import type { DrainOutcome } from '../worker/worker.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded-dynamo.ts';
import { meshSecret } from './mesh-secret-file.ts';
import { WorkerChildren, type RunningWorker, type WorkerChild } from './worker-children.ts';
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
  /** The workers log every frame to and from these peers (STROWGER_DEBUG). */
  debugPeers?: ReadonlySet<string>;
  /** The operator's API settings; the allowed peer networks reach the workers too. */
  settings?: Partial<ControlSettings>;
  /**
   * How many workers (default 1), each a process of its own. Worker 1 takes `iax` and `status`;
   * worker k the IAX2 port 2(k-1) above it and the status port k-1 above, all of them in one
   * worker mesh (mesh port: the IAX2 port + 1) over the shared store.
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
  /** Where each worker is (worker 1 first), with the ports the kernel gave where 0 was asked. */
  workers: RunningWorker[];
  operatorKey: string;
  operatorKeyCreated: boolean;
  /** Calls in progress, each counted once, on the worker it came in by (the other workers' as their status ports say). */
  activeCalls(): Promise<number>;
  /**
   * Ctrl-C: every worker refuses new calls and lets its calls finish, up to the drain deadline
   * or hangUpNow(), then hangs up those still up (HANGUP on both legs, CDRs closed). Resolves
   * with the workers' outcomes added up once every worker is done; `onHangUp` hears each
   * worker's hang-up.
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
  const dynamo = await startEmbeddedDynamo(join(options.dataDir, 'dynamo'));
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
    const heartbeatMs = options.workerStaleMs === undefined ? undefined : Math.min(10_000, Math.floor(options.workerStaleMs / 3));
    const children: WorkerChild[] = [];
    for (let index = 1; index <= count; index++) {
      const iaxPort = index === 1 ? options.iax.port : options.iax.port + 2 * (index - 1);
      children.push({
        index,
        iax: { address: options.iax.address, port: iaxPort },
        ...(count > 1 ? { mesh: { address: local, port: iaxPort + 1 } } : {}),
        // Port 0 (tests): each picks its own.
        status: { address: options.status.address, port: options.status.port === 0 ? 0 : options.status.port + index - 1 },
      });
    }
    const workers = new WorkerChildren({
      children,
      env: {
        ...tableNameEnv(names),
        STROWGER_DYNAMODB_ENDPOINT: dynamo.endpoint,
        AWS_REGION: 'local',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        ...(heartbeatMs === undefined ? {} : { STROWGER_HEARTBEAT_MS: String(heartbeatMs), STROWGER_WORKER_STALE_MS: String(options.workerStaleMs) }),
        ...(options.minExpireS === undefined ? {} : { STROWGER_MINREGEXPIRE: String(options.minExpireS) }),
        ...(options.debugPeers === undefined ? {} : { STROWGER_DEBUG: [...options.debugPeers].join(',') }),
        ...(options.settings?.allowedPeerNetworks === undefined ? {} : { STROWGER_ALLOWED_PEER_NETWORKS: options.settings.allowedPeerNetworks.map((range) => range.text).join(',') }),
        // A platform started without a logger (the tests) keeps its workers quiet too, but for errors.
        ...(options.logger === undefined ? { LOG_LEVEL: 'error' } : {}),
      },
      ...(count > 1 ? { meshSecret: meshSecret(options.dataDir) } : {}),
      drainSeconds,
      logger: logger.child({ service: 'workers' }),
    });
    await workers.start().catch(async (error: unknown) => {
      await control.close();
      throw error;
    });
    return {
      dynamo,
      control,
      get workers() {
        return workers.workers;
      },
      operatorKey: key,
      operatorKeyCreated: created,
      activeCalls: () => workers.activeCalls(),
      drain: (onHangUp) => workers.stop(onHangUp),
      hangUpNow: () => workers.hangUpNow(),
      async close() {
        await workers.stop();
        await control.close();
        await dynamo.stop();
      },
    };
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
}
