/**
 * `rtcachefriends` for a worker: a read-through cache of peers in front of the peers table.
 * Bounded in size (least recently used goes first) and in age: an entry older than maxAgeMs
 * is revalidated by asking only for the item's version, and fetched again only if the version
 * moved. Concurrent misses for one name share one read, and reads in flight are bounded: past
 * `maxReadsInFlight` a miss fails with CacheBusyError instead of queueing on the store.
 *
 * Names that do not exist are kept too, in a table of their own (so a flood of made-up names
 * cannot push real peers out), and served exactly like real ones: at once, even when due for a
 * background revalidation. That way whether a name exists cannot be told from how quickly it
 * is answered (docs/architecture.md §9). They are revalidated after `negativeAgeMs`, so a peer
 * just created is found seconds later.
 *
 * A revalidation that fails (the store is out) keeps the entry in use, and the next one waits
 * `retryFailedMs`, so a store outage is not asked again for every call of a busy peer.
 */
export interface VersionedSource<T extends { version: number }> {
  get(name: string): Promise<T | undefined>;
  version(name: string): Promise<number | undefined>;
}

export interface PeerCacheOptions {
  maxEntries?: number;
  /** Names known not to exist, kept at most (default 10,000). */
  maxNegativeEntries?: number;
  maxAgeMs?: number;
  /** How long "no such peer" is believed before it is revalidated. */
  negativeAgeMs?: number;
  /** After a failed background revalidation, how long before the next one (default 5 s). */
  retryFailedMs?: number;
  /** Reads of the source at once, at most (default 256). */
  maxReadsInFlight?: number;
  now?: () => number;
  /** A background revalidation failed (the stale entry stays in use). */
  onBackgroundError?: (error: unknown, name: string) => void;
}

/** Too many reads are waiting on the store already: the caller should drop its request, not queue it. */
export class CacheBusyError extends Error {
  constructor() {
    super('peer cache: too many reads in flight');
    this.name = 'CacheBusyError';
  }
}

interface Entry<T> {
  value: T | undefined;
  checkedAt: number;
  /** Set after a failed background revalidation: not tried again before then. */
  retryAt?: number;
}

export class PeerCache<T extends { version: number }> {
  readonly stats = { hits: 0, misses: 0, revalidated: 0, refreshed: 0, evicted: 0, servedStale: 0, failedRevalidations: 0, busy: 0 };
  private readonly entries = new Map<string, Entry<T>>();
  private readonly negatives = new Map<string, Entry<T>>();
  private readonly inflight = new Map<string, Promise<T | undefined>>();
  private readonly maxEntries: number;
  private readonly maxNegativeEntries: number;
  private readonly maxAgeMs: number;
  private readonly negativeAgeMs: number;
  private readonly retryFailedMs: number;
  private readonly maxReadsInFlight: number;
  private readonly now: () => number;
  private readonly onBackgroundError: (error: unknown, name: string) => void;

  constructor(
    private readonly source: VersionedSource<T>,
    options: PeerCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxNegativeEntries = options.maxNegativeEntries ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.negativeAgeMs = options.negativeAgeMs ?? 5_000;
    this.retryFailedMs = options.retryFailedMs ?? 5_000;
    this.maxReadsInFlight = options.maxReadsInFlight ?? 256;
    this.now = options.now ?? Date.now;
    this.onBackgroundError = options.onBackgroundError ?? (() => {});
  }

  /** Peers held (names known not to exist are counted apart, in `negativeSize`). */
  get size(): number {
    return this.entries.size;
  }

  get negativeSize(): number {
    return this.negatives.size;
  }

  /** Reads of the source waiting now. */
  get readsInFlight(): number {
    return this.inflight.size;
  }

  /**
   * A name the cache has seen, at once, even when its entry is due for revalidation: then the
   * revalidation starts in the background (if the store is not saturated) and a later caller
   * sees its result. Call setup uses this so a NEW or REGREQ is challenged without waiting on
   * the store (the answer is checked later against `recheck`). `{ value: undefined }`: known
   * not to exist; undefined: never seen, ask `get`.
   */
  known(name: string): { value: T | undefined } | undefined {
    const entry = this.entryOf(name);
    if (entry === undefined) return undefined;
    const now = this.now();
    const maxAge = entry.value === undefined ? this.negativeAgeMs : this.maxAgeMs;
    if (now - entry.checkedAt >= maxAge && !this.inflight.has(name) && now >= (entry.retryAt ?? -Infinity) && this.inflight.size < this.maxReadsInFlight) {
      this.stats.servedStale++;
      this.start(name).catch((error: unknown) => {
        // The entry stays (a failed load never replaces it); it is asked again only later.
        this.stats.failedRevalidations++;
        const kept = this.entryOf(name);
        if (kept !== undefined) kept.retryAt = this.now() + this.retryFailedMs;
        this.onBackgroundError(error, name);
      });
    }
    return { value: entry.value };
  }

  /** The cached value when fresh, without a read; undefined when it must be fetched. */
  peek(name: string): { value: T | undefined } | undefined {
    const entry = this.entryOf(name);
    if (entry === undefined) return undefined;
    const age = this.now() - entry.checkedAt;
    return age < (entry.value === undefined ? this.negativeAgeMs : this.maxAgeMs) ? { value: entry.value } : undefined;
  }

  async get(name: string): Promise<T | undefined> {
    const fresh = this.peek(name);
    if (fresh !== undefined) {
      this.stats.hits++;
      this.touch(name);
      return fresh.value;
    }
    return this.start(name);
  }

  /**
   * What an answer to a challenge is checked against: the entry when it was checked within
   * `withinMs`, else the store's current value (a version read first, so usually one small
   * read). Synchronous when it can be.
   */
  recheck(name: string, withinMs: number): T | undefined | Promise<T | undefined> {
    const entry = this.entryOf(name);
    if (entry !== undefined && this.now() - entry.checkedAt < withinMs) return entry.value;
    return this.start(name);
  }

  invalidate(name: string): void {
    this.entries.delete(name);
    this.negatives.delete(name);
  }

  /** The read for `name` already running, or a new one unless too many are. */
  private start(name: string): Promise<T | undefined> {
    const pending = this.inflight.get(name);
    if (pending !== undefined) return pending;
    if (this.inflight.size >= this.maxReadsInFlight) {
      this.stats.busy++;
      return Promise.reject(new CacheBusyError());
    }
    const load = this.load(name).finally(() => this.inflight.delete(name));
    this.inflight.set(name, load);
    return load;
  }

  private async load(name: string): Promise<T | undefined> {
    const stale = this.entries.get(name);
    if (stale?.value !== undefined) {
      // Revalidate by version: one small read instead of the whole item.
      const version = await this.source.version(name);
      if (version === stale.value.version) {
        this.stats.revalidated++;
        this.set(name, stale.value);
        return stale.value;
      }
      this.stats.refreshed++;
    } else {
      this.stats.misses++;
    }
    const value = await this.source.get(name);
    this.set(name, value);
    return value;
  }

  private entryOf(name: string): Entry<T> | undefined {
    return this.entries.get(name) ?? this.negatives.get(name);
  }

  private set(name: string, value: T | undefined): void {
    this.entries.delete(name);
    this.negatives.delete(name);
    const table = value === undefined ? this.negatives : this.entries;
    table.set(name, { value, checkedAt: this.now() });
    const max = value === undefined ? this.maxNegativeEntries : this.maxEntries;
    while (table.size > max) {
      const oldest = table.keys().next().value;
      if (oldest === undefined) break;
      table.delete(oldest);
      this.stats.evicted++;
    }
  }

  /** Map order is recency order: re-inserting moves an entry to the young end. */
  private touch(name: string): void {
    for (const table of [this.entries, this.negatives]) {
      const entry = table.get(name);
      if (entry === undefined) continue;
      table.delete(name);
      table.set(name, entry);
    }
  }
}
