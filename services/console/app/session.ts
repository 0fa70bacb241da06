/**
 * The API key for this tab only: sessionStorage (gone when the tab closes), never
 * localStorage or a cookie. A key reads `stg_<owner>_<secret>`; the owner says whether it is
 * the operator's (`op`) or which tenant's, which only picks the views: the API decides.
 */
const STORAGE_KEY = 'strowger.console.key';

export type Identity = { role: 'operator' } | { role: 'tenant'; tenant: string };

export function identityOf(key: string): Identity | undefined {
  const owner = /^stg_([a-z0-9][a-z0-9-]*)_[A-Za-z0-9_-]{8,}$/.exec(key.trim())?.[1];
  if (owner === undefined) return undefined;
  return owner === 'op' ? { role: 'operator' } : { role: 'tenant', tenant: owner };
}

export function savedKey(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage refused (a private window's quota): the key lives in memory for this page only.
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing was stored.
  }
}
