/**
 * The worker process on ECS Fargate (and anywhere else), configured from the environment:
 *   STROWGER_TABLE_*            table names (the CDK stack passes them)
 *   STROWGER_DYNAMODB_ENDPOINT  a local DynamoDB engine instead of AWS (unset in AWS)
 *   STROWGER_IAX_BIND           the IAX2 UDP socket (default 0.0.0.0:4569)
 *   STROWGER_HEALTH_BIND        the status port: /healthz, /metrics, /calls, /admin (default 0.0.0.0:8081)
 *   STROWGER_WORKER_ID          this worker's id (default: host name and pid)
 *   STROWGER_PRIVATE_ADDRESS    where the control plane reaches the status port (default: the task's)
 *   STROWGER_DRAIN_SECONDS      SIGTERM: how long calls may finish (default 110, inside Fargate's 120 s)
 *   STROWGER_DEBUG              peer1,peer2: log every frame to and from those peers, decoded
 *   STROWGER_SOCKET_BUFFER_BYTES  the IAX2 socket's kernel buffers (default 4 MiB, capped by net.core.rmem_max)
 *   LOG_LEVEL                   debug, info (default), warn or error
 * SIGTERM stops new calls (REJECT, congestion), keeps relaying, and exits when the calls are
 * gone or at the deadline.
 */
import { hostname, networkInterfaces } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isStrowgerError } from '../../shared/errors.ts';
import { jsonLogger, type LogLevel } from '../../shared/logger.ts';
import { tableNamesFromEnv } from '../../shared/store/store-config.ts';
import { openStores } from '../../shared/store/stores.ts';
import { parseBind } from './bind-address.ts';
import { debugPeersFromEnv } from './frame-debug.ts';
import { startWorker } from './worker.ts';

function firstPrivateAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found !== undefined) return found.address;
  }
  return undefined;
}

const env = process.env;
try {
  const logger = jsonLogger({ service: 'worker', level: (env.LOG_LEVEL ?? 'info') as LogLevel });
  const endpoint = env.STROWGER_DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient(endpoint === undefined || endpoint === '' ? {} : { endpoint });
  const stores = openStores(client, tableNamesFromEnv(env));
  const drainSeconds = Number(env.STROWGER_DRAIN_SECONDS ?? '110');
  if (!(drainSeconds >= 0)) throw new Error(`STROWGER_DRAIN_SECONDS="${env.STROWGER_DRAIN_SECONDS ?? ''}" is not a number of seconds`);
  const privateAddress = env.STROWGER_PRIVATE_ADDRESS ?? firstPrivateAddress();
  const socketBufferBytes = env.STROWGER_SOCKET_BUFFER_BYTES === undefined ? undefined : Number(env.STROWGER_SOCKET_BUFFER_BYTES);
  if (socketBufferBytes !== undefined && !(Number.isInteger(socketBufferBytes) && socketBufferBytes > 0)) {
    throw new Error(`STROWGER_SOCKET_BUFFER_BYTES="${env.STROWGER_SOCKET_BUFFER_BYTES ?? ''}" is not a number of bytes`);
  }
  const worker = await startWorker({
    workerId: env.STROWGER_WORKER_ID ?? `${hostname()}-${process.pid}`,
    stores,
    iax: parseBind('STROWGER_IAX_BIND', env.STROWGER_IAX_BIND, '0.0.0.0:4569'),
    status: parseBind('STROWGER_HEALTH_BIND', env.STROWGER_HEALTH_BIND, '0.0.0.0:8081'),
    ...(privateAddress === undefined ? {} : { privateAddress }),
    ...(socketBufferBytes === undefined ? {} : { socketBufferBytes }),
    debugPeers: debugPeersFromEnv(env.STROWGER_DEBUG),
    logger,
  });
  logger.info('worker started', { workerId: worker.workerId, iax: worker.transport.localAddress(), statusPort: worker.status.port });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('draining', { signal, activeCalls: worker.switch.activeCount, deadlineS: drainSeconds });
    void (async () => {
      await worker.drain(drainSeconds * 1000);
      await worker.close();
      logger.info('stopped', { activeCalls: worker.switch.activeCount });
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  process.stderr.write(`strowger worker: ${isStrowgerError(error) || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
