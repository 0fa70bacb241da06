/**
 * The local platform's operator key: STROWGER_ADMIN_KEY when set; else the one saved in the
 * data folder; else a new one, saved there (mode 0600) and shown once at start.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrowgerError } from '../../shared/errors.ts';
import { keyOwner, newApiKey, OPERATOR_OWNER } from '../control/auth/api-keys.ts';

export function operatorKey(dataDir: string, fromEnv: string | undefined): { key: string; created: boolean } {
  if (fromEnv !== undefined && fromEnv !== '') {
    if (keyOwner(fromEnv) !== OPERATOR_OWNER) throw new StrowgerError('STROWGER_ERR_CONFIG', 'STROWGER_ADMIN_KEY must look like stg_op_<43 base64url characters>');
    return { key: fromEnv, created: false };
  }
  const file = join(dataDir, 'operator-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), created: false };
  const { key } = newApiKey(OPERATOR_OWNER);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
