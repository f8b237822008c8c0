import * as resolvers from '../resolvers/health.ts';
import { builder } from './builder.ts';

type HealthShape = Awaited<ReturnType<typeof resolvers.health>>;

const EngineHealth = builder.objectRef<HealthShape['engine']>('EngineHealth').implement({
  fields: (t) => ({
    status: t.exposeString('status', { description: 'UP or DOWN.' }),
    mode: t.exposeString('mode', { description: 'ENGINE_MODE: auto, local or modal.' }),
    active: t.exposeString('active', { description: 'Which engine answers now: modal or local.' }),
    breaker: t.exposeString('breaker', { nullable: true, description: 'In auto mode: closed, open or half-open.' }),
    version: t.exposeString('version', { nullable: true }),
    dataVersion: t.exposeString('dataVersion', { nullable: true }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true }),
  }),
});

const CacheHealth = builder.objectRef<HealthShape['cache']>('CacheHealth').implement({
  fields: (t) => ({
    status: t.exposeString('status', { description: 'UP, or DEGRADED when Redis does not answer and the memory tier serves alone.' }),
    tiers: t.exposeStringList('tiers', { description: 'memory, and redis when Upstash is configured.' }),
    redis: t.exposeString('redis', { nullable: true, description: 'UP or DOWN; null without Redis.' }),
    breaker: t.exposeString('breaker', {
      nullable: true,
      description: 'With Redis: closed, open (bypassed after a failure) or half-open.',
    }),
    latencyMs: t.exposeFloat('latencyMs', { nullable: true }),
  }),
});

const Health = builder.objectRef<HealthShape>('Health').implement({
  fields: (t) => ({
    status: t.exposeString('status', { description: 'ok, or degraded when a dependency is down.' }),
    engine: t.field({ type: EngineHealth, resolve: (h) => h.engine }),
    cache: t.field({ type: CacheHealth, resolve: (h) => h.cache }),
  }),
});

builder.queryField('health', (t) => t.field({ type: Health, resolve: (_root, _args, ctx) => resolvers.health(ctx) }));
