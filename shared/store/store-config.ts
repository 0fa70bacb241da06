/**
 * Table names come from configuration, never from code: in AWS the CDK stack passes the real
 * names through environment variables; locally a prefix gives every table its name.
 */
import { StrowgerError } from '../errors.ts';
import { TABLES, type TableKey } from './table-definitions.ts';

export type TableNames = Readonly<Record<TableKey, string>>;

const ENV_PREFIX = 'STROWGER_TABLE_';

/** Names from STROWGER_TABLE_PEERS, STROWGER_TABLE_REGISTRATIONS, ...; a missing one throws at start. */
export function tableNamesFromEnv(env: Record<string, string | undefined>): TableNames {
  const names = {} as Record<TableKey, string>;
  const missing: string[] = [];
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const value = env[`${ENV_PREFIX}${key.toUpperCase()}`];
    if (value === undefined || value === '') missing.push(`${ENV_PREFIX}${key.toUpperCase()}`);
    else names[key] = value;
  }
  if (missing.length > 0) throw new StrowgerError('STROWGER_ERR_CONFIG', `missing table names: ${missing.join(', ')}`);
  return names;
}

/** `<prefix>-peers`, `<prefix>-registrations`, ...: for local runs and tests. */
export function prefixedTableNames(prefix: string): TableNames {
  const names = {} as Record<TableKey, string>;
  for (const key of Object.keys(TABLES) as TableKey[]) names[key] = `${prefix}-${key}`;
  return names;
}

export function tableNameEnv(names: TableNames): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(names)) env[`${ENV_PREFIX}${key.toUpperCase()}`] = name;
  return env;
}
