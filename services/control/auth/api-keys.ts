/**
 * API keys: `stg_<owner>_<secret>` where owner is a tenant id or `op` for the operator and
 * the secret is 32 random bytes in base64url. Only a SHA-256 of the whole key is stored (the
 * key has 256 bits of entropy, so a slow hash adds nothing); the key itself is shown once.
 * The owner in the key lets the authorizer read one tenant record instead of searching.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { OPERATOR_KEY_OWNER } from '../../../shared/model/tenant.ts';

/** Reserved in the model too: no tenant id can be `op` (shared/model/tenant.ts). */
export const OPERATOR_OWNER = OPERATOR_KEY_OWNER;

export interface NewApiKey {
  key: string;
  id: string;
  prefix: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newApiKey(owner: string): NewApiKey {
  const secret = randomBytes(32).toString('base64url');
  const key = `stg_${owner}_${secret}`;
  return { key, id: randomBytes(6).toString('hex'), prefix: key.slice(0, owner.length + 9), hash: hashApiKey(key) };
}

/**
 * The owner a key claims (`acme`, or `op`), or undefined when it is not shaped like ours. The
 * owner is at most a tenant id's 40 characters: a longer one is no key of ours, and must not
 * become a table read DynamoDB refuses.
 */
export function keyOwner(key: string): string | undefined {
  const match = /^stg_([a-z0-9-]{1,40})_[A-Za-z0-9_-]{43}$/.exec(key);
  return match?.[1];
}

/** Constant-time comparison of a presented key with a stored hash. */
export function keyMatches(key: string, hash: string): boolean {
  return hashMatches(hashApiKey(key), hash);
}

/** The same for a key already hashed (hash it once, compare it with each of a tenant's keys). */
export function hashMatches(presentedHash: string, hash: string): boolean {
  const presented = Buffer.from(presentedHash, 'hex');
  const stored = Buffer.from(hash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
