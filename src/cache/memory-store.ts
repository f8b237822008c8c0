import { LRUCache } from 'lru-cache';
import { heapBytesOf, stringHeapBytes } from './heap-size.ts';
import type { CacheStore, Entry } from './store.ts';

/**
 * What one entry costs besides its key and its value: the `{v, f}` object and its boxed expiry, the LRU's
 * map slot and its per-index arrays (key, value, links, TTL start and length, size). Measured by filling the
 * store with small values and comparing with the heap's growth; test/cache.test.ts checks the whole bound.
 */
const ENTRY_OVERHEAD_BYTES = 176;

/**
 * The in-process tier, bounded by the heap bytes its entries take (estimated by `heapBytesOf`), not by the
 * length of their JSON: an engine answer takes 1.5 to 2.4 times its JSON length as objects on the heap.
 * Values are kept as the objects they are, so a hit costs nothing; keeping JSON text instead would be exact
 * but costs a parse per hit (1.7 ms more per warm dashboard request, measured).
 */
export class MemoryStore implements CacheStore {
  private readonly lru: LRUCache<string, Entry>;
  private readonly kindVersions: Record<string, number> = {};

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => stringHeapBytes(key) + heapBytesOf(entry.v) + ENTRY_OVERHEAD_BYTES,
    });
  }

  async mget(keys: readonly string[]) {
    return keys.map((key) => this.lru.get(key) ?? null);
  }

  /** One entry, at once (the data cache's fast path for fresh copies). */
  get(key: string): Entry | undefined {
    return this.lru.get(key);
  }

  async mset(entries: readonly { key: string; entry: Entry; ttlSeconds: number }[]) {
    for (const { key, entry, ttlSeconds } of entries) {
      this.lru.set(key, entry, { ttl: ttlSeconds * 1000 });
    }
  }

  async del(keys: readonly string[]) {
    for (const key of keys) this.lru.delete(key);
  }

  /** The heap bytes its entries take by its own estimate; never above the bound it was given. */
  get heapBytes(): number {
    return this.lru.calculatedSize;
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

  /** Drops every entry; the kinds keep their versions. */
  clear() {
    this.lru.clear();
  }
}
