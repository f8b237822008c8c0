import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per server instance, so two instances in one process (tests) keep separate counts. */
export function createMetrics() {
  const registry = new Registry();
  // Process figures (heap, RSS, event-loop lag, GC), read when /metrics is scraped.
  collectDefaultMetrics({ register: registry, prefix: 'veo_' });
  return {
    registry,
    engineRequests: new Counter({
      name: 'veo_engine_requests_total',
      help: 'HTTP calls to the engine, retries included',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    cacheMemoryBytes: new Gauge({
      name: 'veo_cache_memory_bytes',
      help: 'Heap bytes the in-process cache tier holds, by its own estimate (bounded by CACHE_MEMORY_MAX_MB)',
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: 'veo_cache_lookups_total',
      help: 'Cache lookups by kind, result (hit, miss, stale) and tier (memory, redis)',
      labelNames: ['kind', 'result', 'tier'] as const,
      registers: [registry],
    }),
    responseCacheLookups: new Counter({
      name: 'veo_response_cache_lookups_total',
      help: 'Whole-response cache lookups by result (hit, miss) and operation name (bounded as for veo_graphql_operation_duration_seconds)',
      labelNames: ['result', 'operation_name'] as const,
      registers: [registry],
    }),
    hitPathAnswers: new Counter({
      name: 'veo_hit_path_answers_total',
      help: 'Response-cache hits answered before the Yoga pipeline (the hit path), a subset of veo_response_cache_lookups_total{result="hit"}',
      registers: [registry],
    }),
    rateLimitDecisions: new Counter({
      name: 'veo_ratelimit_decisions_total',
      help: 'Rate-limit decisions: allowed, limited, too_expensive, unauthenticated, explanations_allowed, explanations_limited, info_allowed, info_limited',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    rateLimitRefunded: new Counter({
      name: 'veo_ratelimit_refunded_points_total',
      help: 'Cost points given back after execution because the answer used less than the estimate',
      registers: [registry],
    }),
    rateLimitDegraded: new Gauge({
      name: 'veo_ratelimit_degraded',
      help: '1 while the shared rate-limit store is away and this instance answers with degraded in-process limits',
      registers: [registry],
    }),
    queryCost: new Histogram({
      name: 'veo_query_cost',
      help: 'Estimated (requested) and actual cost of GraphQL operations, in points',
      labelNames: ['kind'] as const,
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'veo_http_request_duration_seconds',
      help: 'Duration of HTTP requests served, by route and status',
      labelNames: ['route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'veo_graphql_operation_duration_seconds',
      help: 'Duration of GraphQL operations, by type and name',
      labelNames: ['operation_type', 'operation_name'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
