import { type CacheKind, policyOf } from '../config/cache-kinds.ts';
import type { Config } from '../config/config.ts';
import { CircuitBreaker } from '../lib/circuit-breaker.ts';
import { inSpan } from '../lib/spans.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type CachedAnswer, MemoryAnswers } from './response-memory.ts';
import { RedisAnswers } from './response-redis.ts';

/**
 * What an answer carries and an invalidation names: an object of the answer by its type and global id
 * (`{ typename: 'Area', id }`), every object of a type (`{ typename }`), or what the answer read from the data
 * cache, as `{ typename: 'kind/<kind>', id }` (each id read) and `{ typename: 'kind/<kind>' }` (the kind).
 * The plugin's entity records, with the cache kinds beside the schema's types ('/' is in no GraphQL name).
 */
export interface AnswerEntity {
  typename: string;
  id?: string | number;
}

/** The entities of what a request read from the data cache, for each kind the ids it read. */
export function readEntities(read: ReadonlyMap<CacheKind, ReadonlySet<string>>): AnswerEntity[] {
  return [...read].flatMap(([kind, ids]) => [{ typename: kindType(kind) }, ...[...ids].map((id) => ({ typename: kindType(kind), id }))]);
}

/**
 * What an invalidation of the data cache drops from the response cache: the answers that read those ids of
 * the kind, with the lists that hold them (the list of every area), or, without ids, every answer that read the kind.
 */
export function kindEntities(kind: CacheKind, ids?: readonly string[]): AnswerEntity[] {
  if (!ids?.length) return [{ typename: kindType(kind) }];
  return [...ids, ...(policyOf(kind).alsoDrops ?? [])].map((id) => ({ typename: kindType(kind), id }));
}

const kindType = (kind: CacheKind) => `kind/${kind}`;

/** The tags an answer is stored under, as the plugin's own in-memory cache indexes its entities: each type, and each type with its id. */
const storedTags = (entities: Iterable<AnswerEntity>) => {
  const tags = new Set<string>();
  for (const { typename, id } of entities) {
    tags.add(typename);
    if (id !== undefined) tags.add(`${typename}:${id}`);
  }
  return [...tags];
};

/** The tags an invalidation drops: one object (type and id), or every object of a type (type alone). */
const droppedTags = (entities: Iterable<AnswerEntity>) => [
  ...new Set(Array.from(entities, ({ typename, id }) => (id === undefined ? typename : `${typename}:${id}`))),
];

/**
 * What one instance may put in the shared tier, so that what clients choose (each distinct document or
 * variables is a new answer, for a point) cannot grow Redis without bound nor make an invalidation read an
 * unbounded set: at most REDIS_WRITES_PER_MINUTE answers a minute, each at most REDIS_ANSWER_MAX_BYTES and kept
 * at most REDIS_TTL_MAX_SECONDS there, so at most 1,500 answers (48 MB) an instance at any time. Past these an
 * answer is kept in this instance's memory tier alone.
 */
export const REDIS_LIMITS = { writesPerMinute: 300, answerMaxBytes: 32 * 1024, ttlMaxSeconds: 300 };

export interface ResponseCacheOptions {
  memory: MemoryAnswers;
  /** The shared tier; without it the memory tier is the whole cache. */
  redis?: RedisAnswers;
  /** With Redis: how long the memory tier may hold an answer, which bounds how late an invalidation is seen. */
  memoryTtlSeconds: number;
  /** After a Redis failure, how long to bypass it before trying again. */
  redisRetryMs: number;
  log: Log;
  /** Where the Redis breaker's state is reported (the metrics). */
  watchBreaker?: Metrics['watchBreaker'];
  now?: () => number;
}

/**
 * Whole answers by key, in two tiers like the data cache (memory in front of Upstash Redis when it is set),
 * dropped by tag. Keys carry the engine's data version, so that once the engine answers from other data an
 * answer built from the old is never served again. A Redis failure never fails a request: the memory tier
 * answers alone for `redisRetryMs`.
 */
export class ResponseCache {
  /** Unknown until the engine (or, with Redis, another instance) tells. */
  private dataVersion?: string;
  private sharedVersionRead?: Promise<void>;
  private readonly breaker: CircuitBreaker;
  private readonly now: () => number;
  /** When the engine's data version last changed (ms since the epoch); answers begun before it are not stored. */
  private versionChangedAt = -Infinity;
  /** Writes to Redis in the current minute (see REDIS_LIMITS). */
  private writes = { minute: 0, count: 0 };

  constructor(private readonly options: ResponseCacheOptions) {
    this.now = options.now ?? Date.now;
    this.breaker = new CircuitBreaker(1, options.redisRetryMs, this.now);
    if (options.redis) options.watchBreaker?.('response_cache_redis', this.breaker);
  }

  /**
   * An answer's key: the question (a hash of what makes an answer differ: document, operation, variables) under
   * the data version known when it is read or written, so that an answer stored after the first engine call of
   * the process is stored under the version that call revealed. An instance that has not called the engine yet
   * takes the version from Redis, where the instances that did wrote it: it shares their answers at once.
   */
  private async keyOf(question: string): Promise<string> {
    const { redis } = this.options;
    if (this.dataVersion === undefined && redis) {
      this.sharedVersionRead ??= this.redisCall('dataVersion', () => redis.dataVersion(), null).then((version) => {
        if (this.dataVersion === undefined && version !== null) this.dataVersion = version;
      });
      await this.sharedVersionRead;
    }
    return `${this.dataVersion ?? ''}.${question}`;
  }

  /** The in-process tier (its size in heap bytes: `memory.heapBytes`). */
  get memory(): MemoryAnswers {
    return this.options.memory;
  }

  /** The time on this cache's clock, for `set`'s `askedAt`. */
  time(): number {
    return this.now();
  }

  async get(question: string): Promise<CachedAnswer | null> {
    const { memory, redis, memoryTtlSeconds } = this.options;
    const key = await this.keyOf(question);
    const now = this.now();
    const held = memory.get(key);
    if (held && held.expiresAt > now) return held;
    if (!redis) return null;
    const shared = await this.redisCall('get', () => redis.get(key), null);
    if (!shared || shared.answer.expiresAt <= now) return null;
    // No longer than an invalidation made on another instance may take to be seen here.
    memory.set(key, shared.answer, shared.tags, Math.min(memoryTtlSeconds * 1000, shared.answer.expiresAt - now));
    return shared.answer;
  }

  /**
   * Stores an answer to `question` for `ttlSeconds` under its entities' tags. Never rejects. `askedAt` (on this
   * cache's clock): when its execution began; not stored if what it read was invalidated since, or the engine's
   * data version changed since (it may hold the old data, and would be kept past the invalidation).
   */
  async set(question: string, data: unknown, entities: Iterable<AnswerEntity>, ttlSeconds: number, askedAt?: number): Promise<void> {
    const { memory, redis, memoryTtlSeconds } = this.options;
    const tags = storedTags(entities);
    if (askedAt !== undefined && (askedAt <= this.versionChangedAt || memory.droppedSince(tags, askedAt))) return;
    const key = await this.keyOf(question);
    // A copy, made of plain objects: what execution built had its metadata fields deleted by the plugin,
    // which leaves objects in V8's slower and larger dictionary mode, and it goes on to this request's answer.
    const json = JSON.stringify(data);
    const answer = { data: JSON.parse(json) as unknown, expiresAt: this.now() + ttlSeconds * 1000 };
    if (!redis) {
      memory.set(key, answer, tags, ttlSeconds * 1000);
      return;
    }
    if (!this.mayWriteShared(json)) {
      // Kept here alone, but under the same rule as in Redis: not when another instance has just invalidated
      // what it was built from (without this check, one over the write limit served dropped data past the memory TTL).
      if (await this.redisCall('dropped', () => redis.dropped(tags), false)) return;
      memory.set(key, answer, tags, Math.min(memoryTtlSeconds, ttlSeconds) * 1000);
      return;
    }
    // Refused by a tombstone: built from data that another instance has just invalidated. Kept nowhere.
    const redisTtl = Math.min(ttlSeconds, REDIS_LIMITS.ttlMaxSeconds);
    const stored = await this.redisCall('set', () => redis.set(key, json, answer.expiresAt, tags, redisTtl), undefined);
    if (stored === false) return;
    memory.set(key, answer, tags, Math.min(memoryTtlSeconds, ttlSeconds) * 1000);
  }

  /** Whether this answer may go to Redis now (REDIS_LIMITS); counts it when it may. */
  private mayWriteShared(json: string): boolean {
    if (json.length > REDIS_LIMITS.answerMaxBytes) return false;
    const minute = Math.floor(this.now() / 60_000);
    if (this.writes.minute !== minute) this.writes = { minute, count: 0 };
    if (this.writes.count >= REDIS_LIMITS.writesPerMinute) return false;
    this.writes.count += 1;
    return true;
  }

  /** Drops every answer that carries one of the entities, here at once and on other instances within the memory TTL. */
  async invalidate(entities: Iterable<AnswerEntity>): Promise<void> {
    const { memory, redis, memoryTtlSeconds } = this.options;
    const tags = droppedTags(entities);
    memory.invalidate(tags, this.now());
    // Tombstones outlive every memory tier's copy of the data the dropped answers were built from.
    if (redis) await redis.invalidate(tags, memoryTtlSeconds + 1);
  }

  /** Told each data version the engine answers with: after a change, nothing cached before is served. */
  noteDataVersion(version: string): void {
    if (version === this.dataVersion) return;
    const { memory, redis, log } = this.options;
    if (this.dataVersion !== undefined) {
      memory.clear();
      this.versionChangedAt = this.now();
      log('response_cache.data_version', { from: this.dataVersion, to: version });
    }
    this.dataVersion = version;
    if (redis) void this.redisCall('setDataVersion', () => redis.setDataVersion(version), undefined);
  }

  /**
   * A Redis round trip that never fails the request; in a traced request each one made is a span. (A lookup
   * in memory is not: the hit path answers from it, outside any trace, and it costs no round trip.)
   */
  private redisCall<R>(operation: string, call: () => Promise<R>, fallback: R): Promise<R> {
    return this.breaker.guard(
      () => inSpan(`response-cache.redis ${operation}`, { 'db.system.name': 'redis', 'db.operation.name': operation }, call),
      () => fallback,
      (error) => this.options.log('response_cache.redis.failed', { message: error.message, bypassForMs: this.options.redisRetryMs }),
    );
  }
}

/** In-process only when Upstash is not configured; otherwise a short-lived memory tier in front of Redis. */
export function createResponseCache(config: Config['cache'], maxBytes: number, metrics: Metrics, log: Log): ResponseCache {
  const redis = config.upstash
    ? new RedisAnswers({ url: config.upstash.url, token: config.upstash.token, timeoutMs: config.redisTimeoutMs, prefix: config.prefix })
    : undefined;
  return new ResponseCache({
    memory: new MemoryAnswers(maxBytes),
    redis,
    memoryTtlSeconds: config.memoryTtlSeconds,
    redisRetryMs: config.redisRetryMs,
    log,
    watchBreaker: metrics.watchBreaker,
  });
}
