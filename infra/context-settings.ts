/**
 * The app's settings from CDK context, checked: a wrong value stops synth with its name and
 * what was expected, instead of deploying something odd.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { WorkerServiceProps } from './constructs/worker-service.ts';
import { ALLOWED_PEER_NETWORKS_ENV, parseAllowedNetworks } from '../shared/model/peer-address-policy.ts';

/** Operator limits the API function and the workers both read from their environment. */
export interface PlatformPolicy {
  /** STROWGER_MAX_KEYS_PER_TENANT (the API's default: 20). */
  maxKeysPerTenant?: number;
  /** STROWGER_ALLOWED_PEER_NETWORKS: internal CIDRs static peer hosts may be in (default none). */
  allowedPeerNetworks?: string;
}

export interface AppSettings {
  prefix: string;
  operatorKeyHash: string | undefined;
  alarmEmail: string | undefined;
  natGateways: number;
  logRetention: RetentionDays;
  workers: Partial<Pick<WorkerServiceProps, 'cpu' | 'memoryMiB' | 'architecture' | 'minTasks' | 'maxTasks' | 'callsPerTask'>>;
  policy: PlatformPolicy;
}

const RETENTIONS = new Set<number>(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

export function contextSettings(get: (key: string) => unknown): AppSettings {
  const text = (key: string, pattern: RegExp, what: string): string | undefined => {
    const value = get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) throw new Error(`context ${key}=${JSON.stringify(value)}: expected ${what}`);
    return value;
  };
  const whole = (key: string, min: number, max: number): number | undefined => {
    const value = get(key);
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`context ${key}=${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
    return n;
  };
  const days = whole('logRetentionDays', 1, 3653) ?? 30;
  if (!RETENTIONS.has(days)) throw new Error(`context logRetentionDays=${days}: CloudWatch Logs keeps ${[...RETENTIONS].filter((d) => d > 0).sort((a, b) => a - b).join(', ')} days`);
  // Only what was given: the edge stack's defaults fill the rest (and it checks min <= max).
  const workers = Object.fromEntries(Object.entries({
    cpu: whole('workerCpu', 256, 16384),
    memoryMiB: whole('workerMemoryMiB', 512, 122880),
    architecture: text('workerArchitecture', /^(arm64|x86_64)$/, 'arm64 or x86_64'),
    minTasks: whole('minWorkers', 1, 100),
    maxTasks: whole('maxWorkers', 1, 1000),
    callsPerTask: whole('callsPerWorker', 1, 100_000),
  }).filter(([, value]) => value !== undefined)) as AppSettings['workers'];
  const networks = text('allowedPeerNetworks', /^[0-9A-Fa-f.:/, ]*$/, 'comma-separated CIDRs, e.g. 10.20.0.0/16');
  if (networks !== undefined) {
    try {
      parseAllowedNetworks(ALLOWED_PEER_NETWORKS_ENV, networks);
    } catch (error) {
      throw new Error(`context allowedPeerNetworks=${JSON.stringify(networks)}: ${(error as Error).message}`, { cause: error });
    }
  }
  const policy: PlatformPolicy = Object.fromEntries(Object.entries({
    maxKeysPerTenant: whole('maxKeysPerTenant', 1, 1000),
    allowedPeerNetworks: networks,
  }).filter(([, value]) => value !== undefined));
  return {
    prefix: text('prefix', /^[A-Za-z][A-Za-z0-9-]{0,40}$/, 'a letter then letters, digits or -') ?? 'Strowger',
    operatorKeyHash: text('operatorKeyHash', /^[0-9a-f]{64}$/, 'the SHA-256 hex of the operator key (npx strowger key operator)'),
    alarmEmail: text('alarmEmail', /^[^@\s]+@[^@\s]+$/, 'an e-mail address'),
    natGateways: whole('natGateways', 1, 2) ?? 1,
    logRetention: days,
    workers,
    policy,
  };
}
