import { getHeapStatistics } from 'node:v8';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from '../lib/circuit-breaker.ts';
import { cellCounter } from './count-cells.ts';

/** One registry per server instance, so two instances in one process (tests) keep separate counts. */
export function createMetrics() {
  const registry = new Registry();
  // Process figures (heap, RSS, event-loop lag, GC), read when /metrics is scraped.
  collectDefaultMetrics({ register: registry, prefix: 'veo_' });
  // Gauges named like counters (promtool check metrics refuses them); each is the sum of its per-type gauge.
  for (const name of ['active_handles', 'active_requests', 'active_resources']) registry.removeSingleMetric(`veo_nodejs_${name}_total`);
  // Read on every scrape, under the fixed names of BreakerName.
  const breakers = new Map<BreakerName, { readonly state: BreakerState }>();
  return {
    registry,
    engineRequests: new Counter({
      name: 'veo_engine_requests_total',
      help: 'HTTP calls to the engine, retries included',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    engineDuration: new Histogram({
      name: 'veo_engine_request_duration_seconds',
      help: 'Duration of HTTP calls to the engine until its answer arrives (or the call fails), by endpoint as for veo_engine_requests_total',
      labelNames: ['endpoint'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    engineRestarts: new Counter({
      name: 'veo_engine_restarts_total',
      help: 'Times the embedded Python engine (python/serve.py, started by this server) died and was restarted',
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'veo_circuit_breaker_state',
      help: 'Each circuit breaker in front of an upstream: 0 closed, 1 half-open (one probe may pass), 2 open (calls go to the fallback)',
      labelNames: ['breaker'] as const,
      registers: [registry],
      collect() {
        for (const [breaker, { state }] of breakers) this.set({ breaker }, BREAKER_STATE_VALUES[state]);
      },
    }),
    /** Reports `breaker`'s state in every scrape from now on. */
    watchBreaker(name: BreakerName, breaker: { readonly state: BreakerState }) {
      breakers.set(name, breaker);
    },
    graphqlErrors: new Counter({
      name: 'veo_graphql_errors_total',
      help: "GraphQL answers with an error of each code, a code counted once per answer (a code outside the server's own set is other)",
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    heapLimit: new Gauge({
      name: 'veo_nodejs_heap_size_limit_bytes',
      help: "V8's heap size limit, the cap of veo_nodejs_heap_size_used_bytes (old space from --max-old-space-size, plus the young generation)",
      registers: [registry],
      collect() {
        this.set(getHeapStatistics().heap_size_limit);
      },
    }),
    cacheMemoryBytes: new Gauge({
      name: 'veo_cache_memory_bytes',
      help: 'Heap bytes the in-process cache tier holds, by its own estimate (bounded by CACHE_MEMORY_MAX_MB)',
      registers: [registry],
    }),
    cacheLookups: cellCounter({
      name: 'veo_cache_lookups_total',
      help: 'Cache lookups by kind, result (hit, miss, stale) and tier (memory, redis)',
      labelNames: ['kind', 'result', 'tier'] as const,
      registers: [registry],
    }),
    responseCacheLookups: cellCounter({
      name: 'veo_response_cache_lookups_total',
      help: 'Whole-response cache lookups by result (hit, miss) and operation name (bounded as for veo_graphql_operation_duration_seconds)',
      labelNames: ['result', 'operation_name'] as const,
      registers: [registry],
    }),
    hitPathAnswers: cellCounter({
      name: 'veo_hit_path_answers_total',
      help: 'Response-cache hits answered before the Yoga pipeline (the hit path), a subset of veo_response_cache_lookups_total{result="hit"}',
      registers: [registry],
    }),
    preparedAnswers: cellCounter({
      name: 'veo_prepared_answers_total',
      help: 'Operations run again before the Yoga pipeline (prepared operations, the hit path), a subset of veo_graphql_operation_duration_seconds_count',
      registers: [registry],
    }),
    fieldUsage: cellCounter({
      name: 'veo_field_usage_total',
      help: 'Executed operations selecting each schema field (Type.field, fields of the schema only), once per operation; deprecated="true" for a field marked @deprecated',
      labelNames: ['coordinate', 'deprecated'] as const,
      registers: [registry],
    }),
    rateLimitDecisions: cellCounter({
      name: 'veo_ratelimit_decisions_total',
      help: 'Rate-limit decisions: allowed, limited, too_expensive, unauthenticated, explanations_allowed, explanations_limited, info_allowed, info_limited',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    rateLimitRefunded: cellCounter({
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

/** The circuit breakers, by the upstream each guards: Modal (ENGINE_MODE=auto), and Upstash for each of its uses. */
export type BreakerName = 'engine' | 'cache_redis' | 'response_cache_redis' | 'ratelimit_redis';

const BREAKER_STATE_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
