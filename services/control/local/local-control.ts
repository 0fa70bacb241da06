/**
 * The whole control plane on one machine: the API and authorizer behind the local adapter,
 * the expiry sweeper on a short timer, and the peers stream consumer fed by the local stream
 * emulation. `npm start` and the tests run this over an embedded or test DynamoDB engine.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { silentLogger, type Logger } from '../../../shared/logger.ts';
import type { TableNames } from '../../../shared/store/store-config.ts';
import { openStores, type Stores } from '../../../shared/store/stores.ts';
import { createApi, type ControlApi } from '../api.ts';
import type { ControlSettings } from '../control-settings.ts';
import { makeAuthorizer } from '../auth/authorizer.ts';
import type { WorkerCallSource } from '../calls/worker-calls.ts';
import { ExpirySweeper } from '../jobs/expiry-sweeper.ts';
import { makePeerStreamHandler } from '../jobs/peer-stream-consumer.ts';
import { makeApiHandler } from '../lambda/api-handler.ts';
import { loadConsoleFiles } from './console-files.ts';
import { StreamingPeersTable } from './local-peer-stream.ts';
import { startLocalServer } from './local-server.ts';

export interface LocalControlOptions {
  client: DynamoDBClient;
  names: TableNames;
  /** SHA-256 (hex) of the operator key. */
  operatorKeyHash: string;
  host?: string;
  port?: number;
  logger?: Logger;
  now?: () => number;
  /** The sweeper's period; 0 runs it only when asked (tests drive it themselves). */
  sweepEveryMs?: number;
  /** A worker whose heartbeat is older than this is gone (default 30 s). */
  workerStaleMs?: number;
  callSource?: WorkerCallSource;
  /** The operator's settings (`npm start` reads them from the environment); defaults where absent. */
  settings?: Partial<ControlSettings>;
  /** The built web console to serve outside /v1 (default: dist/console); false for none. */
  consoleDir?: string | false;
}

export interface LocalControl {
  url: string;
  stores: Stores;
  api: ControlApi;
  sweeper: ExpirySweeper;
  close(): Promise<void>;
}

export async function startLocalControl(options: LocalControlOptions): Promise<LocalControl> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  let streamingPeers: StreamingPeersTable | undefined;
  const stores = openStores(options.client, options.names, {
    now,
    ...(options.workerStaleMs === undefined ? {} : { workerStaleMs: options.workerStaleMs }),
    peersTable: (doc, tableName, clock) => (streamingPeers = new StreamingPeersTable(doc, tableName, clock)),
  });
  streamingPeers?.attach(makePeerStreamHandler({ stores, logger: logger.child({ job: 'peer-stream' }) }));
  const api = createApi({
    stores,
    now,
    logger: logger.child({ component: 'api' }),
    ...(options.callSource === undefined ? {} : { callSource: options.callSource }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  const server = await startLocalServer({
    authorizer: makeAuthorizer({ tenants: stores.tenants, operatorKeyHash: options.operatorKeyHash }),
    handler: makeApiHandler(api),
    isPublic: api.isPublic,
    logger,
    ...(options.consoleDir === false ? {} : { site: loadConsoleFiles(options.consoleDir) }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const sweeper = new ExpirySweeper({ stores, now, logger: logger.child({ job: 'sweeper' }) });
  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = (options.sweepEveryMs ?? 5000) > 0
    ? setInterval(() => {
        sweeping = sweeper.sweep().catch((error: unknown) => logger.error('sweep failed', { error }));
      }, options.sweepEveryMs ?? 5000)
    : undefined;
  timer?.unref();
  return {
    url: server.url,
    stores,
    api,
    sweeper,
    async close() {
      if (timer !== undefined) clearInterval(timer);
      await sweeping;
      await server.close();
    },
  };
}
