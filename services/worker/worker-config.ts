/**
 * The worker's settings (table names included), read once from the environment (the only place the CDK stack's
 * configuration reaches it), with every bad value named in the error. On ECS the task
 * metadata endpoint supplies the worker id and private address, the agent endpoint task
 * protection, and metrics go out as EMF log lines; elsewhere none of that is needed.
 */
import { hostname, networkInterfaces } from 'node:os';
import { StrowgerError } from '../../shared/errors.ts';
import type { LogLevel } from '../../shared/logger.ts';
import { ALLOWED_PEER_NETWORKS_ENV, parseAllowedNetworks, type AllowedNetworks } from '../../shared/model/peer-address-policy.ts';
import { tableNamesFromEnv, type TableNames } from '../../shared/store/store-config.ts';
import type { CallNumberLimits } from '../iax2/call/call-numbers.ts';
import { parseBind, type BindAddress } from './bind-address.ts';
import { ecsAgentTaskProtection, type TaskProtectionClient } from './ecs/task-protection.ts';
import { readTaskMetadata, type FetchLike } from './ecs/task-metadata.ts';
import { debugPeersFromEnv } from './frame-debug.ts';
import { DRAIN_S } from '../../shared/drain-timings.ts';

export interface WorkerConfig {
  tables: TableNames;
  workerId: string;
  iax: BindAddress;
  status: BindAddress;
  privateAddress: string | undefined;
  drainSeconds: number;
  socketBufferBytes: number | undefined;
  /** STROWGER_RECEIVE_QUEUE_MS: how much time's worth of arrivals the receive queue may hold (0: a fixed buffer). */
  receiveQueueMs: number | undefined;
  debugPeers: Set<string>;
  logLevel: LogLevel;
  dynamoEndpoint: string | undefined;
  /** Present on ECS (ECS_AGENT_URI set). */
  taskProtection: TaskProtectionClient | undefined;
  /** EMF metrics in the log (default on ECS) or none; /metrics serves Prometheus text either way. */
  emf: { namespace: string; service: string } | undefined;
  /** The worker mesh: on when a mesh secret is set (STROWGER_MESH=off turns it off anyway). */
  mesh: { bind: BindAddress; secret: string; ownershipCheckMs: number | undefined } | undefined;
  heartbeatMs: number | undefined;
  /** A worker whose heartbeat is older than this is gone. */
  workerStaleMs: number | undefined;
  /** `minregexpire` / `maxregexpire` (seconds). */
  minExpireS: number | undefined;
  maxExpireS: number | undefined;
  /** STROWGER_ALLOWED_PEER_NETWORKS: internal networks static hosts may still resolve to (the API reads the same). */
  allowedPeerNetworks: AllowedNetworks;
  /** The engine's operator settings: delayreject and the call-number limits. */
  engine: { delayRejectMs?: number; limits: CallNumberLimits };
}

type Env = Record<string, string | undefined>;

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

function firstPrivateAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found !== undefined) return found.address;
  }
  return undefined;
}

/** A number setting, or undefined when unset; negative (or, for `integer`, not a whole positive) is an error. */
function positive(name: string, env: Env, integer: boolean): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!(value >= 0) || (integer && !(Number.isInteger(value) && value > 0))) throw new StrowgerError('STROWGER_ERR_CONFIG', `${name}="${text}" is not a ${integer ? 'positive whole number' : 'number'}`);
  return value;
}

/** 0 or more (delayreject may be off), or undefined when unset. */
function nonNegative(name: string, env: Env): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new StrowgerError('STROWGER_ERR_CONFIG', `${name}="${text}" is not a whole number, 0 or more`);
  return value;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

export async function workerConfigFromEnv(env: Env, fetchFn: FetchLike = fetch): Promise<WorkerConfig> {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!LEVELS.has(logLevel)) throw new StrowgerError('STROWGER_ERR_CONFIG', `LOG_LEVEL="${env.LOG_LEVEL ?? ''}" is not debug, info, warn or error`);
  const metadataUri = env.ECS_CONTAINER_METADATA_URI_V4;
  const onEcs = metadataUri !== undefined && metadataUri !== '';
  const task = onEcs ? await readTaskMetadata(metadataUri, fetchFn) : undefined;
  const metrics = env.STROWGER_METRICS ?? (onEcs ? 'emf' : 'off');
  if (metrics !== 'emf' && metrics !== 'off') throw new StrowgerError('STROWGER_ERR_CONFIG', `STROWGER_METRICS="${metrics}" is not emf or off`);
  const agentUri = env.ECS_AGENT_URI;
  const privateAddress = env.STROWGER_PRIVATE_ADDRESS || task?.privateAddress || firstPrivateAddress();
  const meshSwitch = (env.STROWGER_MESH ?? 'on').toLowerCase();
  if (meshSwitch !== 'on' && meshSwitch !== 'off') throw new StrowgerError('STROWGER_ERR_CONFIG', `STROWGER_MESH="${env.STROWGER_MESH ?? ''}" is not on or off`);
  const meshSecret = env.STROWGER_MESH_SECRET;
  let mesh: WorkerConfig['mesh'];
  if (meshSwitch === 'on' && meshSecret !== undefined && meshSecret !== '') {
    // The mesh listens on the private address only: it is never reachable from where the boxes are.
    const port = positive('STROWGER_MESH_PORT', env, true) ?? 4570;
    const bind = parseBind('STROWGER_MESH_BIND', env.STROWGER_MESH_BIND, `${privateAddress ?? '127.0.0.1'}:${port}`);
    if (bind.address === '0.0.0.0' || bind.address === '::') {
      throw new StrowgerError('STROWGER_ERR_CONFIG', `STROWGER_MESH_BIND="${env.STROWGER_MESH_BIND ?? ''}" must name the private address (other workers check mesh tokens against it)`);
    }
    mesh = { bind, secret: meshSecret, ownershipCheckMs: positive('STROWGER_OWNERSHIP_CHECK_MS', env, true) };
  }
  return {
    tables: tableNamesFromEnv(env),
    // Unique per process start (a container's pid is the same every time): a restarted worker is
    // a new worker, so the sweeper closes what the dead one left open.
    workerId: env.STROWGER_WORKER_ID || task?.taskId || `${hostname()}-${process.pid}-${Date.now().toString(36)}`,
    iax: parseBind('STROWGER_IAX_BIND', env.STROWGER_IAX_BIND, '0.0.0.0:4569'),
    status: parseBind('STROWGER_HEALTH_BIND', env.STROWGER_HEALTH_BIND, '0.0.0.0:8081'),
    privateAddress,
    drainSeconds: positive('STROWGER_DRAIN_SECONDS', env, false) ?? DRAIN_S,
    socketBufferBytes: positive('STROWGER_SOCKET_BUFFER_BYTES', env, true),
    receiveQueueMs: nonNegative('STROWGER_RECEIVE_QUEUE_MS', env),
    debugPeers: debugPeersFromEnv(env.STROWGER_DEBUG),
    logLevel: logLevel as LogLevel,
    dynamoEndpoint: env.STROWGER_DYNAMODB_ENDPOINT || undefined,
    taskProtection: agentUri === undefined || agentUri === '' ? undefined : ecsAgentTaskProtection(agentUri, fetchFn),
    emf: metrics === 'emf' ? { namespace: env.STROWGER_METRICS_NAMESPACE || 'Strowger', service: env.STROWGER_METRICS_SERVICE || 'strowger-worker' } : undefined,
    mesh,
    heartbeatMs: positive('STROWGER_HEARTBEAT_MS', env, true),
    workerStaleMs: positive('STROWGER_WORKER_STALE_MS', env, true),
    minExpireS: positive('STROWGER_MINREGEXPIRE', env, true),
    maxExpireS: positive('STROWGER_MAXREGEXPIRE', env, true),
    allowedPeerNetworks: parseAllowedNetworks(ALLOWED_PEER_NETWORKS_ENV, env[ALLOWED_PEER_NETWORKS_ENV]),
    engine: {
      ...optional('delayRejectMs', nonNegative('STROWGER_DELAYREJECT_MS', env)),
      limits: {
        ...optional('maxPerIp', positive('STROWGER_MAXCALLNUMBERS', env, true)),
        ...optional('maxPerIpCeiling', positive('STROWGER_MAXCALLNUMBERS_CEILING', env, true)),
        ...optional('maxInSetup', positive('STROWGER_MAXCALLNUMBERS_SETUP', env, true)),
        ...optional('maxInSetupPerIp', positive('STROWGER_MAXCALLNUMBERS_SETUP_PER_IP', env, true)),
      },
    },
  };
}
