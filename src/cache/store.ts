/** What is stored under a key: the value and when it stops being fresh (ms since the epoch). */
export interface Entry<T = unknown> {
  v: T;
  f: number;
}

/** One tier of the cache. Every method is one round trip for the whole batch. */
export interface CacheStore {
  mget(keys: readonly string[]): Promise<(Entry | null)[]>;
  mset(entries: readonly { key: string; entry: Entry; ttlSeconds: number }[]): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /** The current version of every kind that was ever bumped. */
  versions(): Promise<Record<string, number>>;
  bumpVersion(kind: string): Promise<number>;
  /** One round trip that proves the tier answers (the memory tier has none). */
  ping?(): Promise<unknown>;
}
