import * as resolvers from '../resolvers/health.ts';
import { builder } from './builder.ts';

type HealthShape = Awaited<ReturnType<typeof resolvers.health>>;

// The wire values are the words the health checks have always answered (lower case where they were), so
// clients that compared strings keep working. A breaker's `half-open` is not a valid GraphQL name: the
// breaker states stay strings.

const HealthStatus = builder.enumType('HealthStatus', {
  description: "The server's overall state.",
  values: {
    ok: { description: 'The engine and the cache both answer.' },
    degraded: { description: 'The engine or the cache does not answer: the fields that need it may be null with an error.' },
  } as const,
});

const EngineStatus = builder.enumType('EngineStatus', {
  description: 'Whether the engine answered a health check just now.',
  values: {
    UP: { description: 'The engine answered within the readiness timeout.' },
    DOWN: { description: 'The engine did not answer: fields that need it are null with UPSTREAM_UNAVAILABLE.' },
  } as const,
});

const EngineMode = builder.enumType('EngineMode', {
  description: 'Which engine the server is configured to use (ENGINE_MODE).',
  values: {
    auto: { description: 'Modal when MODAL_ENDPOINT_URL is set, the local engine while Modal fails; else the local engine.' },
    local: { description: 'The local engine only (python/serve.py, or LOCAL_ENGINE_URL).' },
    modal: { description: 'The Modal deployment only.' },
  } as const,
});

const EngineName = builder.enumType('EngineName', {
  description: 'One of the two engines that can answer.',
  values: {
    modal: { description: 'The engine deployed on Modal.' },
    local: { description: 'The local engine (python/serve.py, or LOCAL_ENGINE_URL).' },
  } as const,
});

const CacheStatus = builder.enumType('CacheStatus', {
  description: 'Whether every cache tier answered a health check just now.',
  values: {
    UP: { description: 'Every tier of the cache answers.' },
    DEGRADED: { description: 'Redis does not answer: the memory tier serves alone, so instances share less.' },
  } as const,
});

const RedisStatus = builder.enumType('RedisStatus', {
  description: 'Whether the shared Redis (Upstash) cache answered a health check just now.',
  values: {
    UP: { description: 'Redis answered within the readiness timeout.' },
    DOWN: { description: 'Redis did not answer; the memory tier serves alone.' },
  } as const,
});

const CacheTier = builder.enumType('CacheTier', {
  description: 'A layer of the cache, read in order.',
  values: {
    memory: { description: 'The in-process memory cache of this instance, bounded by CACHE_MEMORY_MAX_MB.' },
    redis: { description: 'The Redis (Upstash) cache shared by every instance, when configured.' },
  } as const,
});

const EngineHealth = builder.objectRef<HealthShape['engine']>('EngineHealth').implement({
  description: 'The engine as a health check just found it (asked directly, never from the cache).',
  fields: (t) => ({
    status: t.field({ type: EngineStatus, description: 'Whether the engine answered.', resolve: (e) => e.status }),
    mode: t.field({
      type: EngineMode,
      description: 'The configured ENGINE_MODE.',
      resolve: (e) => e.mode as 'auto' | 'local' | 'modal',
    }),
    active: t.field({
      type: EngineName,
      description: 'Which engine answers now: in auto mode the local one while the breaker is not closed.',
      resolve: (e) => e.active as 'modal' | 'local',
    }),
    breaker: t.exposeString('breaker', {
      nullable: true,
      description: "In auto mode, the Modal circuit breaker's state: `closed`, `open` or `half-open`; null in the other modes.",
    }),
    version: t.exposeString('version', { nullable: true, description: "The engine's version, e.g. `1.0.0`; null when it is DOWN." }),
    dataVersion: t.exposeString('dataVersion', {
      nullable: true,
      description: "The first 12 hex digits of the sha256 of the engine's data files: changes when the data does; null when DOWN.",
    }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true, description: 'How long the check took, in milliseconds; null when DOWN.' }),
  }),
});

const CacheHealth = builder.objectRef<HealthShape['cache']>('CacheHealth').implement({
  description: 'The cache as a health check just found it.',
  fields: (t) => ({
    status: t.field({ type: CacheStatus, description: 'Whether every tier answered.', resolve: (c) => c.status }),
    tiers: t.field({
      type: [CacheTier],
      description: 'The tiers in use, in the order they are read: memory, then redis when Upstash is configured.',
      resolve: (c) => c.tiers as ('memory' | 'redis')[],
    }),
    redis: t.field({
      type: RedisStatus,
      nullable: true,
      description: 'Whether Redis answered; null without Redis.',
      resolve: (c) => c.redis,
    }),
    breaker: t.exposeString('breaker', {
      nullable: true,
      description:
        "With Redis, its circuit breaker's state: `closed`, `open` (Redis bypassed after a failure) or `half-open`; null without Redis.",
    }),
    latencyMs: t.exposeFloat('latencyMs', {
      nullable: true,
      description: 'How long the check took, in milliseconds; null when it failed.',
    }),
  }),
});

const Health = builder.objectRef<HealthShape>('Health').implement({
  description: 'Whether the engine and the cache answer now. Each check is bounded by READY_TIMEOUT_MS, so `health` never fails.',
  fields: (t) => ({
    status: t.field({
      type: HealthStatus,
      description: 'ok when both answer, degraded when either does not.',
      resolve: (h) => (h.status === 'ok' ? 'ok' : 'degraded'),
    }),
    engine: t.field({ type: EngineHealth, description: 'The engine: whether it answers, and which one.', resolve: (h) => h.engine }),
    cache: t.field({ type: CacheHealth, description: 'The cache: whether each tier answers.', resolve: (h) => h.cache }),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: Health,
    // Non-null: it cannot fail (each check catches its own failure and reports DOWN or DEGRADED).
    description:
      'The state of the engine and the cache, asked directly now. Never fails: a dependency that does not answer is reported, not thrown.',
    resolve: (_root, _args, ctx) => resolvers.health(ctx),
  }),
);
