import { Cache, type Clock } from '../../src/cache/cache.ts';
import { MemoryStore } from '../../src/cache/memory-store.ts';
import { type CacheKind, cacheKinds } from '../../src/config/cache-kinds.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';

/**
 * A data cache for a test: every kind kept `ttlSeconds`, 1 MB of memory, the stale and Redis settings the
 * server defaults to, on the test's clock. `redis` (a second MemoryStore) plays the shared tier.
 */
export function testCache(options: {
  prefix: string;
  ttlSeconds: number;
  clock: Clock;
  redis?: MemoryStore;
  staleAfterMs?: number;
  metrics?: Metrics;
}): Cache {
  return new Cache({
    prefix: options.prefix,
    memory: new MemoryStore(1 << 20),
    redis: options.redis,
    ttlSeconds: Object.fromEntries(cacheKinds.map((kind) => [kind, options.ttlSeconds])) as Record<CacheKind, number>,
    staleSeconds: 3600,
    memoryTtlSeconds: 5,
    redisRetryMs: 1000,
    staleAfterMs: options.staleAfterMs,
    metrics: options.metrics ?? createMetrics(),
    log: () => {},
    clock: options.clock,
  });
}
