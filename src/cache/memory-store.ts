import { LRUCache } from 'lru-cache';
import type { CacheStore, Entry } from './store.ts';

/** The in-process tier: bounded by the JSON size of what it holds. */
export class MemoryStore implements CacheStore {
  readonly tier = 'memory' as const;
  private readonly lru: LRUCache<string, Entry>;
  private readonly kindVersions: Record<string, number> = {};

  constructor(maxBytes: number, private readonly maxTtlSeconds = Infinity) {
    this.lru = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => key.length + JSON.stringify(entry.v ?? null).length + 16,
    });
  }

  async mget(keys: readonly string[]) {
    return keys.map((key) => this.lru.get(key) ?? null);
  }

  async mset(entries: readonly { key: string; entry: Entry; ttlSeconds: number }[]) {
    for (const { key, entry, ttlSeconds } of entries) {
      this.lru.set(key, entry, { ttl: Math.min(ttlSeconds, this.maxTtlSeconds) * 1000 });
    }
  }

  async del(keys: readonly string[]) {
    for (const key of keys) this.lru.delete(key);
  }

  versionOf(kind: string): number {
    return this.kindVersions[kind] ?? 1;
  }

  async versions() {
    return { ...this.kindVersions };
  }

  async bumpVersion(kind: string) {
    this.kindVersions[kind] = (this.kindVersions[kind] ?? 1) + 1;
    return this.kindVersions[kind];
  }

  clear() {
    this.lru.clear();
  }
}
