import type { Span } from '@opentelemetry/api';
import { type CacheKind, policyOf } from '../config/cache-kinds.ts';
import { CircuitBreaker } from '../lib/circuit-breaker.ts';
import { inSpan, recording } from '../lib/spans.ts';
import type { CountCell } from '../observability/count-cells.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { cacheKey } from './keys.ts';
import type { MemoryStore } from './memory-store.ts';
import type { CacheStore, Entry } from './store.ts';

export interface Lookup<T> {
  value: T;
  /** Served past its TTL because the engine failed, or had not answered within `staleAfterMs`. */
  stale: boolean;
  /** Came from the cache rather than from the engine in this call. */
  cached: boolean;
}

/** What one request did with the cache, for its log line and its `extensions.stale`. */
export interface CacheStats {
  hits: number;
  misses: number;
  stale: Map<CacheKind, Set<string>>;
  /** The ids read of each kind: what an answer built from them depends on (the response cache tags it with them). */
  read?: Map<CacheKind, Set<string>>;
  /** A value was read that its kind keeps for less than its TTL (a job not yet finished): an answer holding it is not final. */
  unsettled?: boolean;
  /** When the first value read stops being fresh (ms since the epoch): an answer built from them is no fresher. */
  freshUntil?: number;
}

/**
 * Until when each value fetched (or read from the shared tier) is fresh, in ms since the epoch, for every
 * request that waits for it (CacheStats). A fresh copy in memory needs none: its request reads it at once.
 */
const freshness = new WeakMap<Lookup<unknown>, number>();
const fresh = <T>(value: T, cached: boolean, until: number): Lookup<T> => {
  const lookup = { value, stale: false, cached };
  freshness.set(lookup, until);
  return lookup;
};

/** What `Cache.peek` gives for an id it has no fresh copy of in memory. */
export const NOT_FRESH: unique symbol = Symbol('not fresh');

export interface CacheOptions {
  prefix: string;
  memory: MemoryStore;
  /** The shared tier; without it the memory tier is the whole cache. */
  redis?: CacheStore;
  ttlSeconds: Record<CacheKind, number>;
  /** How long a copy is kept past its TTL, to answer while the engine is down. */
  staleSeconds: number;
  /** With Redis: how long the memory tier may hold a copy, which bounds how late an invalidation is seen. */
  memoryTtlSeconds: number;
  /** After a Redis failure, how long to bypass it before trying again. */
  redisRetryMs: number;
  /**
   * An expired entry whose refresh has not answered within this is answered with its stale copy, and the
   * refresh goes on in the background (its answer is written when it comes). Unset: only when the engine fails.
   */
  staleAfterMs?: number;
  metrics: Metrics;
  log: Log;
  clock?: Clock;
}

/** Time as the cache sees it; tests give a fake one to play a slow engine without waiting. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; the function returned cancels it. */
  after(ms: number, fn: () => void): () => void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export interface LoadOptions {
  /** Skip the reads: fetch everything and overwrite what the cache held (warming). */
  refresh?: boolean;
  /** false: hand back what was fetched without writing it (its caller writes what is worth keeping). */
  write?: boolean;
}

interface Deferred {
  promise: Promise<Lookup<unknown>>;
  /** Whether resolve or reject was called (a key answered stale is settled before its refresh ends). */
  settled: boolean;
  resolve(lookup: Lookup<unknown>): void;
  reject(error: unknown): void;
}

type Mine = Map<string, { id: string; deferred: Deferred }>;

/**
 * Two tiers (memory in front of Redis) read and written a whole batch at a time, with single flight across
 * the requests of this process and stale copies served when the engine fails or is slow.
 */
export class Cache {
  private readonly inflight = new Map<string, Promise<Lookup<unknown>>>();
  /**
   * Fetches under way when their key was invalidated: they still answer the requests that asked before, but
   * their value (read before the invalidation) is not written, and no later request waits for them.
   */
  private readonly superseded = new WeakSet<Promise<Lookup<unknown>>>();
  private readonly redisBreaker: CircuitBreaker;
  private versionCache = { values: {} as Record<string, number>, fetchedAt: -Infinity };
  private versionRefresh?: Promise<void>;
  private readonly clock: Clock;

  constructor(private readonly options: CacheOptions) {
    this.clock = options.clock ?? systemClock;
    this.redisBreaker = new CircuitBreaker(1, options.redisRetryMs, () => this.clock.now());
    if (options.redis) options.metrics.watchBreaker('cache_redis', this.redisBreaker);
  }

  private now(): number {
    return this.clock.now();
  }

  /** The in-process tier (its size in heap bytes: `memory.heapBytes`). */
  get memory(): MemoryStore {
    return this.options.memory;
  }

  get tiers(): string[] {
    return this.options.redis ? ['memory', 'redis'] : ['memory'];
  }

  /**
   * Values for `ids` of one kind, in order. Misses go to `fetch` in ONE call (ids in the order given); its
   * answer must be index-aligned with them. An id that could not be had is an Error in its place, so one
   * failed id never fails the others (a stale copy of one, a failure of the next). In a traced request it is
   * a span, with the Redis round trips and the engine call it makes under it.
   */
  load<T>(
    kind: CacheKind,
    ids: readonly string[],
    fetch: (ids: string[]) => Promise<readonly T[]>,
    stats?: CacheStats,
    opts: LoadOptions = {},
  ): Promise<(Lookup<T> | Error)[]> {
    // A warm server's usual case, answered without a span, a tier round trip or an await of its own.
    const fresh = opts.refresh || recording() ? undefined : this.freshInMemory<T>(kind, ids, stats);
    if (fresh) return Promise.resolve(fresh);
    const attributes = { 'veo.cache.kind': kind, 'veo.cache.keys': ids.length };
    return inSpan(`cache ${kind}`, attributes, (span) => this.lookUp(span, kind, ids, fetch, stats, opts));
  }

  /**
   * Every id's fresh copy in memory, with the bookkeeping lookUp does for such hits; undefined as soon as
   * one is not there (or the kind's version needs a Redis read first), and lookUp answers instead.
   */
  private freshInMemory<T>(kind: CacheKind, ids: readonly string[], stats: CacheStats | undefined): Lookup<T>[] | undefined {
    const version = this.currentVersion(kind);
    if (version === undefined) return undefined;
    const { memory, prefix } = this.options;
    const now = this.now();
    const lookups: Lookup<T>[] = new Array(ids.length);
    let freshUntil = Infinity;
    for (let i = 0; i < ids.length; i++) {
      const entry = memory.get(cacheKey(prefix, kind, version, ids[i]!));
      if (!entry || entry.f <= now) return undefined;
      lookups[i] = { value: entry.v as T, stale: false, cached: true };
      freshUntil = Math.min(freshUntil, entry.f);
    }
    noteRead(kind, ids, stats);
    this.count(kind, 'hit', 'memory', ids.length);
    if (stats) {
      stats.hits += ids.length;
      noteSettled(kind, ids, lookups, stats, freshUntil);
    }
    return lookups;
  }

  /**
   * One id's fresh copy in memory, with the bookkeeping a hit has, or NOT_FRESH (not there, expired, or the
   * kind's version needs a Redis read first). Synchronous: a loader answers such a key without a promise.
   */
  peek<T>(kind: CacheKind, id: string, stats: CacheStats | undefined): T | typeof NOT_FRESH {
    const version = this.currentVersion(kind);
    if (version === undefined) return NOT_FRESH;
    const entry = this.options.memory.get(cacheKey(this.options.prefix, kind, version, id));
    if (!entry || entry.f <= this.now()) return NOT_FRESH;
    const value = entry.v as T;
    if (stats?.read) (stats.read.get(kind) ?? stats.read.set(kind, new Set()).get(kind)!).add(id);
    this.memoryHit(kind).n++;
    if (stats) {
      stats.hits += 1;
      stats.freshUntil = Math.min(stats.freshUntil ?? entry.f, entry.f);
      const { keepFor } = policyOf(kind);
      if (keepFor && keepFor(value, Infinity) !== Infinity) stats.unsettled = true;
    }
    return value;
  }

  private async lookUp<T>(
    span: Span,
    kind: CacheKind,
    ids: readonly string[],
    fetch: (ids: string[]) => Promise<readonly T[]>,
    stats: CacheStats | undefined,
    opts: LoadOptions,
  ): Promise<(Lookup<T> | Error)[]> {
    noteRead(kind, ids, stats);
    const version = await this.version(kind);
    const keys = ids.map((id) => cacheKey(this.options.prefix, kind, version, id));
    // A fresh copy in memory is answered at once; only the keys another request or this one fetches are awaited.
    const lookups: (Lookup<T> | Error)[] = new Array(ids.length);
    const awaited: Promise<void>[] = [];
    const settle = (i: number, promise: Promise<Lookup<unknown>>) =>
      awaited.push(
        promise.then(
          (lookup) => {
            lookups[i] = lookup as Lookup<T>;
          },
          (error: unknown) => {
            lookups[i] = error instanceof Error ? error : new Error(String(error));
          },
        ),
      );
    const staleCopies = new Map<string, Entry>();
    const now = this.now();

    const fromMemory = opts.refresh ? keys.map(() => null) : await this.options.memory.mget(keys);
    const mine: Mine = new Map();
    let hits = 0;
    let freshUntil = Infinity;
    keys.forEach((key, i) => {
      const entry = fromMemory[i];
      if (entry && entry.f > now) {
        lookups[i] = { value: entry.v as T, stale: false, cached: true };
        freshUntil = Math.min(freshUntil, entry.f);
        hits += 1;
        return;
      }
      if (entry) staleCopies.set(key, entry);
      const pending = !opts.refresh && this.inflight.get(key);
      if (pending) {
        // Another request is already fetching this key: wait for its answer instead of asking again.
        settle(i, pending);
        hits += 1;
        return;
      }
      if (!mine.has(key)) {
        const deferred = defer();
        this.inflight.set(key, deferred.promise);
        mine.set(key, { id: ids[i]!, deferred });
      }
      settle(i, mine.get(key)!.deferred.promise);
    });
    // Counted once per batch, not per key: a dashboard looks up dozens of keys a request.
    this.count(kind, 'hit', 'memory', hits);
    this.count(kind, 'miss', 'memory', mine.size);
    span.setAttributes({ 'veo.cache.memory_hits': hits, 'veo.cache.memory_misses': mine.size });
    if (stats) stats.hits += hits;

    if (mine.size > 0) await this.fill(kind, mine, staleCopies, fetch, stats, opts);
    if (awaited.length > 0) await Promise.all(awaited);
    // Marked here, not where the copy was chosen, so that a request that waited on another's refresh says
    // its answer is stale too.
    if (stats) noteSettled(kind, ids, lookups, stats, freshUntil);
    return lookups;
  }

  /**
   * Reads the shared tier for `mine`, fetches what is still missing, writes it back, settles every key.
   * Returns once every key is settled and written, or, when the engine is slow, once the keys that have a
   * stale copy were answered with it (the rest still wait for the engine, which goes on in the background).
   */
  private async fill<T>(
    kind: CacheKind,
    mine: Mine,
    staleCopies: Map<string, Entry>,
    fetch: (ids: string[]) => Promise<readonly T[]>,
    stats: CacheStats | undefined,
    { refresh, write = true }: LoadOptions,
  ): Promise<void> {
    const { memory, redis, staleAfterMs } = this.options;
    let missing = [...mine.keys()];
    try {
      if (redis && !refresh) {
        const found = await this.redisCall('mget', missing.length, () => redis.mget(missing), []);
        const now = this.now();
        const hits: { key: string; entry: Entry; ttlSeconds: number }[] = [];
        missing = missing.filter((key, i) => {
          const entry = found[i];
          if (entry && entry.f > now) {
            mine.get(key)!.deferred.resolve(fresh(entry.v, true, entry.f));
            hits.push({ key, entry, ttlSeconds: Math.min(this.options.memoryTtlSeconds, (entry.f - now) / 1000) });
            return false;
          }
          if (entry) staleCopies.set(key, entry);
          return true;
        });
        this.count(kind, 'hit', 'redis', hits.length);
        this.count(kind, 'miss', 'redis', missing.length);
        if (stats) stats.hits += hits.length;
        await memory.mset(hits.filter(({ key }) => !this.superseded.has(mine.get(key)!.deferred.promise)));
        this.options.metrics.cacheMemoryBytes.set(memory.heapBytes);
      }
    } catch (error) {
      for (const { deferred } of mine.values()) deferred.reject(error);
      missing = [];
    }
    if (missing.length === 0) {
      this.release(mine);
      return;
    }
    if (stats) stats.misses += missing.length;

    const revalidated = this.revalidate(kind, mine, missing, staleCopies, fetch, write);
    const withCopy = missing.filter((key) => staleCopies.has(key));
    if (withCopy.length === 0 || staleAfterMs === undefined) return revalidated;
    // Stale-while-revalidate: a slow engine answers the keys that have a copy late, not the request. A request
    // already answered stale has seen the engine slow or failing: its later lookups do not wait for it again.
    const waitMs = stats && stats.stale.size > 0 ? 0 : staleAfterMs;
    let cancel = () => {};
    const slow = new Promise<void>((resolve) => {
      cancel = this.clock.after(waitMs, () => {
        for (const key of withCopy) this.answerStale(kind, staleCopies.get(key)!, mine.get(key)!.deferred);
        resolve();
      });
    });
    await Promise.race([revalidated, slow]);
    cancel();
  }

  /**
   * Asks the engine for `missing` (one call), settles each key with its answer and writes the answers to
   * both tiers; when the engine fails, a key with a copy is answered stale and the rest fail. Never rejects.
   */
  private async revalidate<T>(
    kind: CacheKind,
    mine: Mine,
    missing: string[],
    staleCopies: Map<string, Entry>,
    fetch: (ids: string[]) => Promise<readonly T[]>,
    write: boolean,
  ): Promise<void> {
    try {
      let values: readonly T[];
      try {
        values = await fetch(missing.map((key) => mine.get(key)!.id));
      } catch (error) {
        // The engine failed: answer from a stale copy where there is one, and fail only the rest.
        for (const key of missing) {
          const copy = staleCopies.get(key);
          const { deferred } = mine.get(key)!;
          if (copy) this.answerStale(kind, copy, deferred);
          else deferred.reject(error);
        }
        return;
      }

      const fetchedAt = this.now();
      const writes = missing.flatMap((key, i) => {
        const value = values[i] ?? null;
        const keep = this.keepSeconds(kind, value);
        mine.get(key)!.deferred.resolve(fresh(value, false, fetchedAt + (keep ?? 0) * 1000));
        const ttl = write && !this.superseded.has(mine.get(key)!.deferred.promise) ? keep : null;
        return ttl === null ? [] : [{ key, value, ttl }];
      });
      await this.write(writes);
    } catch (error) {
      for (const { deferred } of mine.values()) deferred.reject(error);
    } finally {
      this.release(mine);
    }
  }

  /** Ends this fetch's single flight: a later fetch of the same key (after an invalidation) keeps its own. */
  private release(mine: Mine): void {
    for (const [key, { deferred }] of mine) {
      if (this.inflight.get(key) === deferred.promise) this.inflight.delete(key);
    }
  }

  /** Answers a key with its copy past its TTL, once (the engine's late failure finds it settled). */
  private answerStale(kind: CacheKind, copy: Entry, deferred: Deferred) {
    if (deferred.settled) return;
    deferred.resolve({ value: copy.v, stale: true, cached: true });
    this.count(kind, 'stale', this.options.redis ? 'redis' : 'memory');
  }

  /** Writes values fetched some other way (every area in one answer) under their own ids, in one round trip. */
  async store(kind: CacheKind, items: readonly { id: string; value: unknown }[]) {
    const version = await this.version(kind);
    await this.write(
      items.flatMap(({ id, value }) => {
        const ttl = this.keepSeconds(kind, value);
        return ttl === null ? [] : [{ key: cacheKey(this.options.prefix, kind, version, id), value, ttl }];
      }),
    );
  }

  /** Seconds to keep one value: the kind's TTL, or what the kind's policy says for it (null: not at all). */
  private keepSeconds(kind: CacheKind, value: unknown): number | null {
    const ttl = this.options.ttlSeconds[kind];
    const { keepFor } = policyOf(kind);
    return keepFor ? keepFor(value, ttl) : ttl;
  }

  /** Both tiers in one round trip each; Redis keeps a copy `staleSeconds` past its TTL, memory only briefly. */
  private async write(items: readonly { key: string; value: unknown; ttl: number }[]) {
    if (items.length === 0) return;
    const { memory, redis, staleSeconds, memoryTtlSeconds } = this.options;
    const now = this.now();
    const writes = items.map(({ key, value, ttl }) => ({ key, entry: { v: value, f: now + ttl * 1000 }, ttlSeconds: ttl + staleSeconds }));
    await memory.mset(redis ? writes.map((w, i) => ({ ...w, ttlSeconds: Math.min(memoryTtlSeconds, items[i]!.ttl) })) : writes);
    this.options.metrics.cacheMemoryBytes.set(memory.heapBytes);
    if (redis) await this.redisCall('mset', writes.length, () => redis.mset(writes), undefined);
  }

  /** Drops the given ids of a kind, or (no ids) the whole kind at once by bumping its version. */
  async invalidate(kind: CacheKind, ids?: readonly string[]): Promise<{ version: number; deleted: number }> {
    const { memory, redis } = this.options;
    if (ids && ids.length > 0) {
      const version = await this.version(kind);
      // With the lists that hold the ids named (the list of every area holds every area).
      const keys = [...ids, ...(policyOf(kind).alsoDrops ?? [])].map((id) => cacheKey(this.options.prefix, kind, version, id));
      for (const key of keys) {
        const pending = this.inflight.get(key);
        if (pending) this.superseded.add(pending);
        this.inflight.delete(key);
      }
      await memory.del(keys);
      if (redis) await redis.del(keys);
      return { version, deleted: ids.length };
    }
    const version = await (redis ?? memory).bumpVersion(kind);
    this.versionCache.values = { ...this.versionCache.values, [kind]: version };
    return { version, deleted: 0 };
  }

  /** The kind's version when it is known without a Redis read: always in-process, else while the last read is recent. */
  private currentVersion(kind: CacheKind): number | undefined {
    const { redis, memory, memoryTtlSeconds } = this.options;
    if (!redis) return memory.versionOf(kind);
    if (this.now() - this.versionCache.fetchedAt > memoryTtlSeconds * 1000) return undefined;
    return this.versionCache.values[kind] ?? 1;
  }

  /** The kind's current version; with Redis read at most once per memory TTL, so every instance agrees soon. */
  private async version(kind: CacheKind): Promise<number> {
    const { redis, memory, memoryTtlSeconds } = this.options;
    if (!redis) return memory.versionOf(kind);
    if (this.now() - this.versionCache.fetchedAt > memoryTtlSeconds * 1000) {
      this.versionRefresh ??= this.redisCall('versions', 1, () => redis.versions(), null)
        .then((values) => {
          // On failure keep the last known versions; they are retried on the next call.
          if (values) this.versionCache = { values, fetchedAt: this.now() };
        })
        .finally(() => {
          this.versionRefresh = undefined;
        });
      await this.versionRefresh;
    }
    return this.versionCache.values[kind] ?? 1;
  }

  /**
   * A Redis round trip that never fails the request: on error (or while bypassed) answers `fallback`. In a
   * traced request each one made is a span (`keys`: how many it reads or writes).
   */
  private redisCall<R>(operation: string, keys: number, call: () => Promise<R>, fallback: R): Promise<R> {
    return this.redisBreaker.guard(
      () => inSpan(`cache.redis ${operation}`, { 'db.system.name': 'redis', 'db.operation.name': operation, 'veo.cache.keys': keys }, call),
      () => fallback,
      (error) => this.options.log('cache.redis.failed', { message: error.message, bypassForMs: this.options.redisRetryMs }),
    );
  }

  get redisState() {
    return this.options.redis ? this.redisBreaker.state : undefined;
  }

  /**
   * Rejects unless every tier answers now. Redis is asked directly, past its breaker, so that /ready and
   * `health` report what is true now and not what the breaker remembers.
   */
  async ping(): Promise<void> {
    await this.options.redis?.ping?.();
  }

  private count(kind: CacheKind, result: 'hit' | 'miss' | 'stale', tier: 'memory' | 'redis', n = 1) {
    if (n <= 0) return;
    // Each series' cell looked up once (count-cells.ts): a few kinds x results x tiers.
    const name = `${kind} ${result} ${tier}`;
    let cell = this.cells.get(name);
    if (!cell) {
      cell = this.options.metrics.cacheLookups.cell({ kind, result, tier });
      this.cells.set(name, cell);
    }
    cell.n += n;
  }

  private readonly cells = new Map<string, CountCell>();

  /** The memory-hit cell of a kind, for `peek`: looked up by kind alone, with no name built per key. */
  private memoryHit(kind: CacheKind): CountCell {
    let cell = this.memoryHits.get(kind);
    if (!cell) {
      cell = this.options.metrics.cacheLookups.cell({ kind, result: 'hit', tier: 'memory' });
      this.memoryHits.set(kind, cell);
    }
    return cell;
  }

  private readonly memoryHits = new Map<CacheKind, CountCell>();
}

/** Records that the request read `ids` of `kind` (what its answer depends on). */
function noteRead(kind: CacheKind, ids: readonly string[], stats: CacheStats | undefined): void {
  if (!stats?.read) return;
  const read = stats.read.get(kind) ?? stats.read.set(kind, new Set()).get(kind)!;
  for (const id of ids) read.add(id);
}

/** What the request's answer is, given these lookups: stale in parts, fresh until when, final or not. */
function noteSettled(
  kind: CacheKind,
  ids: readonly string[],
  lookups: readonly (Lookup<unknown> | Error)[],
  stats: CacheStats,
  freshUntil: number,
) {
  if (freshUntil !== Infinity) stats.freshUntil = Math.min(stats.freshUntil ?? freshUntil, freshUntil);
  const { keepFor } = policyOf(kind);
  for (let i = 0; i < lookups.length; i++) {
    const lookup = lookups[i]!;
    if (lookup instanceof Error) continue;
    if (lookup.stale) (stats.stale.get(kind) ?? stats.stale.set(kind, new Set()).get(kind)!).add(ids[i]!);
    const until = freshness.get(lookup);
    if (until !== undefined) stats.freshUntil = Math.min(stats.freshUntil ?? until, until);
    // Asked with an unbounded TTL, a final value is kept for all of it, whatever the configured one.
    if (keepFor && keepFor(lookup.value, Infinity) !== Infinity) stats.unsettled = true;
  }
}

function defer(): Deferred {
  let settle!: { resolve: (lookup: Lookup<unknown>) => void; reject: (error: unknown) => void };
  const promise = new Promise<Lookup<unknown>>((resolve, reject) => {
    settle = { resolve, reject };
  });
  promise.catch(() => {}); // a rejection is delivered to whoever awaits it; never unhandled
  const deferred: Deferred = {
    promise,
    settled: false,
    resolve(lookup) {
      deferred.settled = true;
      settle.resolve(lookup);
    },
    reject(error) {
      deferred.settled = true;
      settle.reject(error);
    },
  };
  return deferred;
}
