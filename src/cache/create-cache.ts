import type { Config } from '../config/config.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { Cache } from './cache.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from './redis-store.ts';

/**
 * In-process only when Upstash is not configured; otherwise a short-lived memory tier in front of Redis.
 * `staleAfterMs` (ENGINE_STALE_AFTER_MS): how long an expired entry's refresh may take before its stale
 * copy answers instead.
 */
export function createCache(config: Config['cache'], metrics: Metrics, log: Log, staleAfterMs?: number): Cache {
  const redis = config.upstash
    ? new RedisStore({ url: config.upstash.url, token: config.upstash.token, timeoutMs: config.redisTimeoutMs, prefix: config.prefix })
    : undefined;
  return new Cache({
    prefix: config.prefix,
    memory: new MemoryStore(config.memoryMaxBytes),
    redis,
    ttlSeconds: config.ttlSeconds,
    staleSeconds: config.staleSeconds,
    memoryTtlSeconds: config.memoryTtlSeconds,
    redisRetryMs: config.redisRetryMs,
    staleAfterMs,
    metrics,
    log,
  });
}
