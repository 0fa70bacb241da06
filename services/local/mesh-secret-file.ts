/**
 * The local platform's worker-mesh secret, kept in the data folder (mode 0600) like the
 * operator key, so the workers of one `npm start` (and of the next one) share it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export function meshSecret(dataDir: string): string {
  const file = join(dataDir, 'mesh-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
