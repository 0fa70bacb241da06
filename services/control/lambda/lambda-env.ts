/**
 * What every control-plane Lambda reads once, at module scope (so warm invocations reuse the
 * client and its connections): table names from STROWGER_TABLE_*, the log level, and an
 * optional endpoint override. A missing setting fails the cold start with a message naming
 * it, rather than the first request with something vaguer.
 */
import { StrowgerError } from '../../../shared/errors.ts';
import { jsonLogger, type Logger, type LogLevel } from '../../../shared/logger.ts';
import { tableNamesFromEnv } from '../../../shared/store/store-config.ts';
import { openStores, type Stores } from '../../../shared/store/stores.ts';
import { createDynamoClient } from '../../../shared/store/dynamo-client.ts';

export interface LambdaEnv {
  stores: Stores;
  logger: Logger;
}

const LEVELS = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

export function lambdaEnv(service: string, env: Record<string, string | undefined> = process.env): LambdaEnv {
  const level = (env.LOG_LEVEL ?? 'info').toLowerCase() as LogLevel;
  if (!LEVELS.has(level)) throw new StrowgerError('STROWGER_ERR_CONFIG', `LOG_LEVEL "${env.LOG_LEVEL ?? ''}" is not debug, info, warn or error`);
  // STROWGER_DYNAMODB_ENDPOINT points at a local engine; in AWS it is unset. The client has
  // the worker's deadlines: a stalled store fails an API call in seconds (a 503 the caller
  // may retry) instead of holding the function until its own timeout.
  const endpoint = env.STROWGER_DYNAMODB_ENDPOINT;
  const client = createDynamoClient(endpoint === undefined || endpoint === '' ? {} : { endpoint });
  return { stores: openStores(client, tableNamesFromEnv(env)), logger: jsonLogger({ service, level }) };
}

/** A required setting, or a cold-start failure that names it. */
export function requiredEnv(name: string, env: Record<string, string | undefined> = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new StrowgerError('STROWGER_ERR_CONFIG', `${name} is not set`);
  return value;
}
