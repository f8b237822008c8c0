import { z } from 'zod';
import { type CacheKind, cacheKinds } from '../config/cache-kinds.ts';
import * as resolvers from '../resolvers/admin.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { areaCode, stationId } from './refs.ts';

const CacheKindEnum = builder.enumType('CacheKind', {
  values: Object.fromEntries(cacheKinds.map((kind) => [kind.toUpperCase(), { value: kind }])) as {
    [K in CacheKind as Uppercase<K>]: { value: K };
  },
});

const InvalidateCacheResult = builder.objectRef<{ kind: CacheKind; version: number; deleted: number }>('InvalidateCacheResult').implement({
  fields: (t) => ({
    kind: t.expose('kind', { type: CacheKindEnum }),
    version: t.exposeInt('version', { description: "The kind's key version now; bumped when no ids were given." }),
    deleted: t.exposeInt('deleted', { description: 'Keys deleted (when ids were given).' }),
  }),
});

const WarmCacheResult = builder.objectRef<Awaited<ReturnType<typeof resolvers.warmCache>>>('WarmCacheResult').implement({
  fields: (t) => ({
    areas: t.exposeInt('areas'),
    warmed: t.exposeInt('warmed', { description: 'Entries fetched from the engine and written.' }),
    engineCalls: t.exposeInt('engineCalls'),
    durationMs: t.exposeInt('durationMs'),
  }),
});

builder.mutationType({});

builder.mutationFields((t) => ({
  invalidateCache: t.field({
    type: InvalidateCacheResult,
    description: 'Admin: drop cached ids of a kind, or the whole kind at once (every instance sees it within seconds).',
    extensions: cost({ weight: 10 }),
    args: {
      kind: t.arg({ type: CacheKindEnum, required: true }),
      ids: t.arg.idList({ validate: { maxLength: 1000, items: { schema: z.string().min(1).max(512) } } }),
    },
    resolve: (_root, args, ctx) => resolvers.invalidateCache(ctx, args.kind, args.ids?.map(String)),
  }),
  warmCache: t.field({
    type: WarmCacheResult,
    description: 'Admin: fetch and cache areas, crime, schools, stations and personas (and commutes to `destinations`).',
    extensions: cost({ weight: 100 }),
    args: {
      codes: t.arg.idList({ validate: { maxLength: 33, items: { schema: areaCode } } }),
      destinations: t.arg.idList({ validate: { maxLength: 20, items: { schema: stationId } } }),
    },
    resolve: (_root, args, ctx) => resolvers.warmCache(ctx, args.codes?.map(String), args.destinations?.map(Number)),
  }),
}));
