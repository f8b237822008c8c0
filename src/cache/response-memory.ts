import { LRUCache } from 'lru-cache';
import { heapBytesOf, stringHeapBytes } from './heap-size.ts';

/** An answer as the response cache keeps it: its data only (never errors or extensions), and until when it is fresh. */
export interface CachedAnswer {
  data: unknown;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

interface Stored {
  answer: CachedAnswer;
  tags: readonly string[];
}

/** The entry object, its array of tags and the LRU's slots for it (as the data cache's, a little more). */
const ENTRY_OVERHEAD_BYTES = 224;
/**
 * Per tag: a slot in the entry's array, an entry in the index's set for the tag, and the tag itself, mostly a
 * short concatenation of strings the answer already holds (a type name and an id). Measured as a whole with
 * the answers in test/response-cache.test.ts.
 */
const TAG_BYTES = 80;
/**
 * How long an invalidated tag is remembered, and how many: an answer whose execution began before its tag was
 * invalidated (it may hold what was invalidated) is not stored. Longer than any execution runs (the engine's
 * timeouts and retries); the tags are those admins invalidate, not what clients send.
 */
const DROPPED_TAG_MS = 60_000;
const MAX_DROPPED_TAGS = 5_000;

/**
 * The in-process tier of the response cache: answers by key, bounded by the heap they take (the answers'
 * objects by `heapBytesOf`, their keys and their invalidation tags), least recently used out first, each for
 * its own TTL. An index from tag to keys lets an invalidation drop exactly the answers that carry a tag.
 * Answers are kept as the objects they are, so a hit costs no parse.
 */
export class MemoryAnswers {
  private readonly lru: LRUCache<string, Stored>;
  private readonly byTag = new Map<string, Set<string>>();
  /** When each tag was last invalidated (ms since the epoch, on the caller's clock). */
  private readonly droppedAt = new LRUCache<string, number>({ max: MAX_DROPPED_TAGS, ttl: DROPPED_TAG_MS, ttlAutopurge: false });

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, Stored>({
      maxSize: maxBytes,
      sizeCalculation: (stored, key) =>
        ENTRY_OVERHEAD_BYTES + stringHeapBytes(key) + heapBytesOf(stored.answer.data) + stored.tags.length * TAG_BYTES,
      // Evicted, expired, replaced or deleted: the index forgets the key, so it never outgrows what is held.
      dispose: (stored, key) => this.unindex(key, stored.tags),
    });
  }

  get(key: string): CachedAnswer | undefined {
    return this.lru.get(key)?.answer;
  }

  set(key: string, answer: CachedAnswer, tags: readonly string[], ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.lru.set(key, { answer, tags }, { ttl: ttlMs });
    // An answer larger than the whole budget is not stored: nothing to index.
    if (!this.lru.has(key)) return;
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (keys) keys.add(key);
      else this.byTag.set(tag, new Set([key]));
    }
  }

  /** Drops every answer that carries one of `tags`, and remembers when (`droppedSince`). */
  invalidate(tags: readonly string[], at: number): void {
    for (const tag of tags) {
      this.droppedAt.set(tag, at);
      const keys = this.byTag.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) this.lru.delete(key);
    }
  }

  /** Whether one of `tags` was invalidated at `since` or later: an answer begun then may hold what was dropped. */
  droppedSince(tags: readonly string[], since: number): boolean {
    for (const tag of tags) {
      const at = this.droppedAt.get(tag);
      if (at !== undefined && at >= since) return true;
    }
    return false;
  }

  clear(): void {
    this.lru.clear();
  }

  /** Heap bytes held, by its own estimate; never above the bound it was given. */
  get heapBytes(): number {
    return this.lru.calculatedSize;
  }

  private unindex(key: string, tags: readonly string[]) {
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.byTag.delete(tag);
    }
  }
}
