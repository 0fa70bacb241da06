import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CacheBusyError, PeerCache, type VersionedSource } from '../../../shared/store/peer-cache.ts';

/** A source that counts what the cache asks of it (the table's own reads are tested against real engines). */
function countingSource(initial: Record<string, number>) {
  const versions = new Map(Object.entries(initial));
  const calls = { get: 0, version: 0 };
  const source: VersionedSource<{ name: string; version: number }> = {
    get: (name) => {
      calls.get++;
      const version = versions.get(name);
      return Promise.resolve(version === undefined ? undefined : { name, version });
    },
    version: (name) => {
      calls.version++;
      return Promise.resolve(versions.get(name));
    },
  };
  return { source, calls, versions };
}

describe('peer cache (rtcachefriends)', () => {
  it('serves fresh entries without reads, revalidates stale ones by version, refetches when the version moved', async () => {
    let now = 0;
    const { source, calls, versions } = countingSource({ alice: 1 });
    const cache = new PeerCache(source, { maxAgeMs: 1000, now: () => now });
    assert.equal((await cache.get('alice'))?.version, 1);
    await cache.get('alice');
    assert.deepEqual(calls, { get: 1, version: 0 });
    now = 1500;
    await cache.get('alice');
    assert.deepEqual(calls, { get: 1, version: 1 }, 'stale: only the version was read');
    versions.set('alice', 2);
    now = 3000;
    assert.equal((await cache.get('alice'))?.version, 2);
    assert.deepEqual(calls, { get: 2, version: 2 });
    assert.deepEqual([cache.stats.hits, cache.stats.revalidated, cache.stats.refreshed], [1, 1, 1]);
  });

  it('remembers unknown names briefly, so a flood of them costs one read each per window', async () => {
    let now = 0;
    const { source, calls } = countingSource({});
    const cache = new PeerCache(source, { negativeAgeMs: 5000, now: () => now });
    for (let i = 0; i < 100; i++) await cache.get('mallory');
    assert.equal(calls.get, 1);
    now = 6000;
    await cache.get('mallory');
    assert.equal(calls.get, 2);
  });

  it('bounds its size, evicting the least recently used', async () => {
    const { source } = countingSource({ a: 1, b: 1, c: 1 });
    const cache = new PeerCache(source, { maxEntries: 2 });
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    assert.equal(cache.size, 2);
    assert.ok(cache.peek('a') !== undefined && cache.peek('c') !== undefined && cache.peek('b') === undefined);
  });

  it('known(): a cached peer answers at once even when stale, and is revalidated in the background', async () => {
    let now = 0;
    const { source, calls, versions } = countingSource({ alice: 1 });
    const cache = new PeerCache(source, { maxAgeMs: 1000, now: () => now });
    assert.equal(cache.known('alice'), undefined, 'never seen: the caller must read');
    await cache.get('alice');
    now = 5000;
    versions.set('alice', 2);
    assert.equal(cache.known('alice')?.value?.version, 1, 'the stale entry, synchronously');
    assert.equal(cache.known('alice')?.value?.version, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, { get: 2, version: 1 }, 'one revalidation for both, which found the new version');
    assert.equal(cache.known('alice')?.value?.version, 2);
    assert.equal(cache.stats.servedStale, 1);
  });

  it('known(): a stale entry whose revalidation fails stays in use and the failure is reported', async () => {
    let now = 0;
    const failures: string[] = [];
    let broken = false;
    const source: VersionedSource<{ name: string; version: number }> = {
      get: (name) => (broken ? Promise.reject(new Error('store down')) : Promise.resolve({ name, version: 1 })),
      version: () => (broken ? Promise.reject(new Error('store down')) : Promise.resolve(1)),
    };
    const cache = new PeerCache(source, { maxAgeMs: 1000, now: () => now, onBackgroundError: (_e, name) => failures.push(name) });
    await cache.get('alice');
    broken = true;
    now = 2000;
    assert.equal(cache.known('alice')?.value?.version, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(failures, ['alice']);
    assert.equal(cache.known('alice')?.value?.version, 1);
  });

  it('known(): after a failed revalidation the store is asked again only after retryFailedMs, the entry in use meanwhile', async () => {
    let now = 0;
    let broken = false;
    let versionReads = 0;
    const source: VersionedSource<{ name: string; version: number }> = {
      get: (name) => Promise.resolve({ name, version: 1 }),
      version: () => {
        versionReads++;
        return broken ? Promise.reject(new Error('store down')) : Promise.resolve(1);
      },
    };
    const cache = new PeerCache(source, { maxAgeMs: 1000, retryFailedMs: 5000, now: () => now });
    await cache.get('alice');
    broken = true;
    now = 2000;
    cache.known('alice');
    await new Promise((resolve) => setImmediate(resolve));
    for (const at of [2001, 4000, 6999]) {
      now = at;
      assert.equal(cache.known('alice')?.value?.version, 1);
    }
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(versionReads, 1, 'not asked again before 5 s');
    broken = false;
    now = 7000;
    cache.known('alice');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([versionReads, cache.stats.failedRevalidations, cache.stats.revalidated], [2, 1, 1]);
  });

  it('names that do not exist have a table of their own: a flood of them never pushes a real peer out', async () => {
    const { source, calls } = countingSource({ alice: 1 });
    const cache = new PeerCache(source, { maxEntries: 10, maxNegativeEntries: 100 });
    await cache.get('alice');
    for (let i = 0; i < 5000; i++) await cache.get(`made-up-${i}`);
    assert.equal(cache.negativeSize, 100);
    const reads = calls.get;
    assert.equal(cache.known('alice')?.value?.version, 1);
    await cache.get('alice');
    assert.equal(calls.get, reads, 'alice is still cached');
  });

  it('known(): a name known not to exist is answered at once like a real one, and revalidated in the background once due', async () => {
    let now = 0;
    const { source, calls, versions } = countingSource({});
    const cache = new PeerCache(source, { negativeAgeMs: 5000, now: () => now });
    await cache.get('bob');
    assert.deepEqual(cache.known('bob'), { value: undefined });
    versions.set('bob', 1);
    now = 6000;
    assert.deepEqual(cache.known('bob'), { value: undefined }, 'stale, served at once');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.get, 2);
    assert.equal(cache.known('bob')?.value?.version, 1, 'a peer created since is found');
  });

  it('reads in flight are bounded: past the limit a miss fails with CacheBusyError at once', async () => {
    const waiting: Array<() => void> = [];
    const source: VersionedSource<{ name: string; version: number }> = {
      get: (name) => new Promise((resolve) => waiting.push(() => resolve({ name, version: 1 }))),
      version: () => Promise.resolve(1),
    };
    const cache = new PeerCache(source, { maxReadsInFlight: 3 });
    const first = [cache.get('a'), cache.get('b'), cache.get('c'), cache.get('a')];
    await assert.rejects(cache.get('d'), CacheBusyError);
    assert.equal(cache.readsInFlight, 3);
    for (const resolve of waiting) resolve();
    await Promise.all(first);
    const later = cache.get('d');
    assert.equal(cache.readsInFlight, 1, 'room again');
    waiting.at(-1)?.();
    assert.equal((await later)?.version, 1);
    assert.equal(cache.stats.busy, 1);
  });

  it('recheck(): the entry if checked within the given age, else a read that finds a change', async () => {
    let now = 0;
    const { source, calls, versions } = countingSource({ alice: 1 });
    const cache = new PeerCache(source, { maxAgeMs: 60_000, now: () => now });
    await cache.get('alice');
    versions.set('alice', 2);
    now = 1000;
    assert.equal((cache.recheck('alice', 2000) as { version: number } | undefined)?.version, 1, 'checked 1 s ago: the entry, synchronously');
    now = 2500;
    const fresh = cache.recheck('alice', 2000);
    assert.ok(fresh instanceof Promise);
    assert.equal((await fresh)?.version, 2);
    assert.deepEqual(calls, { get: 2, version: 1 });
    versions.delete('alice');
    now = 5000;
    assert.equal(await cache.recheck('alice', 2000), undefined, 'deleted');
  });

  it('concurrent misses for one name share a single read', async () => {
    const { source, calls } = countingSource({ alice: 1 });
    const cache = new PeerCache(source);
    await Promise.all(Array.from({ length: 50 }, () => cache.get('alice')));
    assert.equal(calls.get, 1);
  });
});
