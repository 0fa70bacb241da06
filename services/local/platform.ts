/**
 * The whole platform on one machine: dynalite persisted in the data folder, the tables, the
 * control plane (API adapter, authorizer, sweeper, stream emulation) and one worker sharing
 * the stores. `npm start` runs it; the tests start it the same way.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type { Logger } from '../../shared/logger.ts';
import { silentLogger } from '../../shared/logger.ts';
import { createTables } from '../../shared/store/create-tables.ts';
import { prefixedTableNames } from '../../shared/store/store-config.ts';
import { hashApiKey } from '../control/auth/api-keys.ts';
import { startLocalControl, type LocalControl } from '../control/local/local-control.ts';
import type { BindAddress } from '../worker/bind-address.ts';
import { startWorker, type Worker } from '../worker/worker.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded-dynamo.ts';
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
}

export interface Platform {
  dynamo: EmbeddedDynamo;
  control: LocalControl;
  worker: Worker;
  operatorKey: string;
  operatorKeyCreated: boolean;
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
    });
    const worker = await startWorker({
      workerId: `${hostname()}-local`,
      stores: control.stores,
      iax: options.iax,
      status: options.status,
      logger: logger.child({ service: 'worker' }),
      ...(options.minExpireS === undefined ? {} : { minExpireS: options.minExpireS }),
      ...(options.debugPeers === undefined ? {} : { debugPeers: options.debugPeers }),
    }).catch(async (error: unknown) => {
      await control.close();
      throw error;
    });
    return {
      dynamo,
      control,
      worker,
      operatorKey: key,
      operatorKeyCreated: created,
      async close() {
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
