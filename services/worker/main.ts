/**
 * The worker process on ECS Fargate (and anywhere else), configured from the environment:
 *   STROWGER_TABLE_*            table names (the CDK stack passes them)
 *   STROWGER_DYNAMODB_ENDPOINT  a local DynamoDB engine instead of AWS (unset in AWS); every store call has
 *                               a 1 s connect and 2 s request deadline and one retry (shared/store/dynamo-client.ts)
 *   STROWGER_IAX_BIND           the IAX2 UDP socket (default 0.0.0.0:4569)
 *   STROWGER_HEALTH_BIND        the status port: /healthz, /metrics, /calls, /admin (default 0.0.0.0:8081)
 *   STROWGER_WORKER_ID          this worker's id (default: the ECS task id, else host name and pid)
 *   STROWGER_PRIVATE_ADDRESS    where the control plane reaches the status port (default: the task's)
 *   STROWGER_DRAIN_SECONDS      SIGTERM: how long calls may finish (default 110, inside Fargate's 120 s)
 *   STROWGER_DEBUG              peer1,peer2: log every frame to and from those peers, decoded
 *   STROWGER_SOCKET_BUFFER_BYTES  the IAX2 socket's kernel buffers (default 4 MiB, capped by net.core.rmem_max)
 *   STROWGER_RECEIVE_QUEUE_MS     the receive queue holds about this much time of arrivals, the buffer
 *                               following the read rate up to the size above (default 50; 0: fixed)
 *   STROWGER_METRICS            emf (default on ECS) or off; STROWGER_METRICS_NAMESPACE / _SERVICE name them
 *   STROWGER_MESH_SECRET        the deployment's worker-mesh secret (at least 16 characters): turns the mesh on
 *   STROWGER_MESH_BIND          this worker's mesh endpoint (default <private address>:STROWGER_MESH_PORT, 4570)
 *   STROWGER_MESH               off: no mesh even with a secret (every box called from here directly)
 *   STROWGER_HEARTBEAT_MS, STROWGER_WORKER_STALE_MS   heartbeat period (10 s) and when a silent worker is gone (30 s)
 *   STROWGER_MINREGEXPIRE, STROWGER_MAXREGEXPIRE      the registration grants' bounds in seconds (60, 60)
 *   STROWGER_OWNERSHIP_CHECK_MS how often held registrations are checked for a new owner (30 s)
 *   STROWGER_ALLOWED_PEER_NETWORKS  CIDRs a static host may resolve into although internal (default none)
 *   STROWGER_DELAYREJECT_MS     authentication refusals wait this long, longer for a guessed name (1000; 0: off)
 *   STROWGER_MAXCALLNUMBERS     call numbers one remote IP may hold (2048); _CEILING: the most a peer's own
 *                               maxcallnumbers may raise it to (4096); _SETUP and _SETUP_PER_IP: numbers held
 *                               by dialogs not yet authenticated, in all (8192) and per IP (128)
 *   LOG_LEVEL                   debug, info (default), warn or error
 * On ECS the agent's ECS_CONTAINER_METADATA_URI_V4 and ECS_AGENT_URI give the task id, its
 * address and scale-in protection. SIGTERM stops new calls (REJECT, congestion), keeps
 * relaying, and exits when the calls are gone or at the deadline; the calls still up then are
 * hung up (HANGUP on both legs, their ACKs waited for 1.5 s at most) rather than dropped in
 * silence. A second SIGTERM or SIGINT hangs them up at once. Started by `npm start`, it also
 * reports to the platform process and leaves when that is gone (parent-channel.ts).
 */
import { SystemClock } from '../../shared/clock.ts';
import { isStrowgerError } from '../../shared/errors.ts';
import { jsonLogger } from '../../shared/logger.ts';
import { StopRequests } from '../../shared/stop-requests.ts';
import { createDynamoClient } from '../../shared/store/dynamo-client.ts';
import { openStores } from '../../shared/store/stores.ts';
import { hasParent, onParentGone, reportToParent } from './parent-channel.ts';
import { StoreHealth } from './store-health.ts';
import { workerConfigFromEnv } from './worker-config.ts';
import { startWorker } from './worker.ts';

/** An orphaned worker's HANGUPs are sent at once; this is for them to leave the socket. */
const ORPHAN_EXIT_MS = 200;

try {
  const config = await workerConfigFromEnv(process.env);
  const logger = jsonLogger({ service: 'worker', level: config.logLevel });
  const storeHealth = new StoreHealth({ clock: new SystemClock(), logger: logger.child({ component: 'store' }) });
  const client = createDynamoClient({ ...(config.dynamoEndpoint === undefined ? {} : { endpoint: config.dynamoEndpoint }), observer: storeHealth });
  const stores = openStores(client, config.tables, config.workerStaleMs === undefined ? {} : { workerStaleMs: config.workerStaleMs });
  const worker = await startWorker({
    workerId: config.workerId,
    stores,
    storeHealth,
    iax: config.iax,
    status: config.status,
    ...(config.privateAddress === undefined ? {} : { privateAddress: config.privateAddress }),
    ...(config.socketBufferBytes === undefined ? {} : { socketBufferBytes: config.socketBufferBytes }),
    ...(config.receiveQueueMs === undefined ? {} : { receiveQueueMs: config.receiveQueueMs }),
    ...(config.taskProtection === undefined ? {} : { taskProtection: config.taskProtection }),
    ...(config.emf === undefined ? {} : { emf: { ...config.emf, write: (line: string) => process.stdout.write(line) } }),
    debugPeers: config.debugPeers,
    ...(config.mesh === undefined ? {} : { mesh: { bind: config.mesh.bind, secret: config.mesh.secret, ...(config.mesh.ownershipCheckMs === undefined ? {} : { ownershipCheckMs: config.mesh.ownershipCheckMs }) } }),
    ...(config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs }),
    ...(config.minExpireS === undefined ? {} : { minExpireS: config.minExpireS }),
    ...(config.maxExpireS === undefined ? {} : { maxExpireS: config.maxExpireS }),
    allowedPeerNetworks: config.allowedPeerNetworks,
    engine: config.engine,
    logger,
  });
  logger.info('worker started', { workerId: worker.workerId, iax: worker.transport.localAddress(), mesh: worker.mesh?.address ?? 'off', statusPort: worker.status.port, emf: config.emf !== undefined, taskProtection: config.taskProtection !== undefined });
  const requests = new StopRequests(() => performance.now());
  let stopping = false;
  const stop = (signal: string): void => {
    const request = requests.request();
    if (request === 2) {
      logger.info('hanging up now', { signal, activeCalls: worker.switch.activeCount });
      worker.hangUpNow();
    }
    if (request !== 1) return;
    stopping = true;
    logger.info('draining', { signal, activeCalls: worker.switch.activeCount, deadlineS: config.drainSeconds });
    void (async () => {
      const outcome = await worker.drain(config.drainSeconds * 1000, (calls, legs, end) => {
        logger.info('hanging up', { calls, legs, why: end });
        void reportToParent({ type: 'hanging-up', calls, legs, end });
      });
      await worker.close();
      logger.info('stopped', { ...outcome });
      await reportToParent({ type: 'stopped', outcome });
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // npm start's platform died under us (kill -9, a crash): nobody will stop this worker and its
  // store is gone. Tell the boxes (HANGUP on every leg, sent at once) and free the ports for the
  // platform's next start rather than wait on ACKs and CDR writes that cannot land.
  onParentGone(() => {
    if (stopping) return;
    logger.warn('the platform process is gone: hanging up and exiting', { activeCalls: worker.switch.activeCount });
    void worker.drain(0);
    setTimeout(() => process.exit(0), ORPHAN_EXIT_MS).unref();
  });
  await reportToParent({ type: 'ready', workerId: worker.workerId, iax: worker.transport.localAddress(), status: { address: config.status.address, port: worker.status.port } });
} catch (error) {
  const message = isStrowgerError(error) || error instanceof Error ? error.message : String(error);
  const { code, syscall, port } = error as { code?: unknown; syscall?: unknown; port?: unknown };
  // Under npm start the platform says it, in the operator's words (a port in use names its setting).
  if (hasParent()) await reportToParent({ type: 'failed', message, ...(typeof code === 'string' ? { code } : {}), ...(typeof syscall === 'string' ? { syscall } : {}), ...(typeof port === 'number' ? { port } : {}) });
  else process.stderr.write(`strowger worker: ${message}\n`);
  process.exit(1);
}
