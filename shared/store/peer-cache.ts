/**
 * `rtcachefriends` for a worker: a read-through cache of peers in front of the peers table.
 * Bounded in size (least recently used goes first) and in age: an entry older than maxAgeMs
 * is revalidated by asking only for the item's version, and fetched again only if the version
 * moved. Names that do not exist are remembered briefly, so a flood of unknown names does not
 * become a flood of reads; concurrent misses for one name share one read.
 */
export interface VersionedSource<T extends { version: number }> {
  get(name: string): Promise<T | undefined>;
  version(name: string): Promise<number | undefined>;
}

export interface PeerCacheOptions {
  maxEntries?: number;
  maxAgeMs?: number;
  /** How long "no such peer" is believed. */
  negativeAgeMs?: number;
  now?: () => number;
  /** A background revalidation failed (the stale entry stays in use). */
  onBackgroundError?: (error: unknown, name: string) => void;
}

interface Entry<T> {
  value: T | undefined;
  checkedAt: number;
}

export class PeerCache<T extends { version: number }> {
  readonly stats = { hits: 0, misses: 0, revalidated: 0, refreshed: 0, evicted: 0, servedStale: 0 };
  private readonly entries = new Map<string, Entry<T>>();
  private readonly inflight = new Map<string, Promise<T | undefined>>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly negativeAgeMs: number;
  private readonly now: () => number;
  private readonly onBackgroundError: (error: unknown, name: string) => void;

  constructor(
    private readonly source: VersionedSource<T>,
    options: PeerCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.negativeAgeMs = options.negativeAgeMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.onBackgroundError = options.onBackgroundError ?? (() => {});
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * A peer the cache has seen, at once, even when its entry is due for revalidation: then the
   * revalidation starts in the background and the next caller sees its result. Call setup
   * uses this so a known peer's NEW or REGREQ is challenged without waiting on the store
   * (the answer is checked later, against whatever the revalidation found). A name known not
   * to exist is only believed while fresh; undefined means "ask `get`".
   */
  known(name: string): { value: T } | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined || entry.value === undefined) return undefined;
    if (this.now() - entry.checkedAt >= this.maxAgeMs && !this.inflight.has(name)) {
      this.stats.servedStale++;
      this.get(name).catch((error: unknown) => this.onBackgroundError(error, name));
    }
    return { value: entry.value };
  }

  /** The cached value when fresh, without a read; undefined when it must be fetched. */
  peek(name: string): { value: T | undefined } | undefined {
    const entry = this.entries.get(name);
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
    const pending = this.inflight.get(name);
    if (pending !== undefined) return pending;
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

  invalidate(name: string): void {
    this.entries.delete(name);
  }

  private set(name: string, value: T | undefined): void {
    this.entries.delete(name);
    this.entries.set(name, { value, checkedAt: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.stats.evicted++;
    }
  }

  /** Map order is recency order: re-inserting moves an entry to the young end. */
  private touch(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    this.entries.set(name, entry);
  }
}
