import { z } from 'zod';
import { type CacheKind, cacheKinds } from '../config/cache-kinds.ts';
import * as resolvers from '../resolvers/admin.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { areaCode, stationCode } from './refs.ts';

// What each kind holds, keyed by the kinds' table so that a new kind cannot go without a description.
const kindDescriptions: Record<CacheKind, string> = {
  area: 'Boroughs by ONS code, and the list of all of them.',
  crime: 'Crime figures (`Area.safety`) by ONS code.',
  schools: 'School figures (`Area.schools`) by ONS code.',
  commute: 'Routes from a borough to a station, by the pair.',
  station: 'Stations by code (`Station.code`), and station searches.',
  recommendation: 'Rankings (`recommendations`) by question.',
  explanation: 'Explanation jobs by engine id (a running one for at most a minute, a failed one not at all).',
  persona: 'The list of personas.',
};

const CacheKindEnum = builder.enumType('CacheKind', {
  description: 'A kind of engine answer the cache keeps, each with its own TTL (CACHE_TTL_<KIND>).',
  values: Object.fromEntries(cacheKinds.map((kind) => [kind.toUpperCase(), { value: kind, description: kindDescriptions[kind] }])) as {
    [K in CacheKind as Uppercase<K>]: { value: K; description: string };
  },
});

const InvalidateCacheResult = builder.objectRef<{ kind: CacheKind; version: number; deleted: number }>('InvalidateCacheResult').implement({
  description: 'What an invalidation dropped.',
  fields: (t) => ({
    kind: t.expose('kind', { type: CacheKindEnum, description: 'The kind of entries invalidated.' }),
    version: t.exposeInt('version', {
      description: "The kind's key version now; bumped (dropping every key at once) when no ids were given.",
    }),
    deleted: t.exposeInt('deleted', { description: 'Keys deleted when ids were given; 0 when the whole kind was dropped by its version.' }),
  }),
});

const WarmCacheResult = builder.objectRef<Awaited<ReturnType<typeof resolvers.warmCache>>>('WarmCacheResult').implement({
  description: 'What a cache warm-up fetched and wrote.',
  fields: (t) => ({
    areas: t.exposeInt('areas', { description: 'Boroughs warmed: `codes`, or all 33 without it.' }),
    warmed: t.exposeInt('warmed', { description: 'Entries fetched from the engine and written to the cache.' }),
    engineCalls: t.exposeInt('engineCalls', { description: 'HTTP calls made to the engine (lookups are batched).' }),
    durationMs: t.exposeInt('durationMs', { description: 'How long the warm-up took, in milliseconds.' }),
  }),
});

builder.mutationType({ description: 'Operations that change state: explanation jobs, and admin operations on the cache.' });

builder.mutationFields((t) => ({
  invalidateCache: t.field({
    type: InvalidateCacheResult,
    // Nullable, like every root field that can fail: a failure nulls this field, not the whole answer.
    nullable: true,
    description:
      'Admin (`Authorization: Bearer <ADMIN_TOKEN>`, else FORBIDDEN): drop cached ids of a kind, or the whole kind at once (every instance sees it within seconds). Costs 10 points. Null when refused or when the cache fails (see the error at this path).',
    extensions: cost({ weight: 10 }),
    args: {
      kind: t.arg({ type: CacheKindEnum, required: true, description: 'The kind of entries to drop.' }),
      ids: t.arg.idList({
        description: 'The ids to drop (at most 1,000, each 1 to 512 characters); the whole kind without it.',
        validate: { maxLength: 1000, items: { schema: z.string().min(1).max(512) } },
      }),
    },
    resolve: (_root, args, ctx) => resolvers.invalidateCache(ctx, args.kind, args.ids?.map(String)),
  }),
  warmCache: t.field({
    type: WarmCacheResult,
    // Nullable, like every root field that can fail: a failure nulls this field, not the whole answer.
    nullable: true,
    description:
      'Admin (`Authorization: Bearer <ADMIN_TOKEN>`, else FORBIDDEN): fetch and cache areas, crime, schools, stations and personas (and commutes to `destinations`), whatever the cache held. Costs 100 points. Null when refused (see the error at this path); an entry the engine fails to give stays cold.',
    extensions: cost({ weight: 100 }),
    args: {
      codes: t.arg.idList({
        description: 'The boroughs to warm, by ONS code (at most 33); all of them without it.',
        validate: { maxLength: 33, items: { schema: areaCode } },
      }),
      destinations: t.arg.idList({
        description: 'Station codes (at most 20) whose commutes from every warmed borough to cache too.',
        validate: { maxLength: 20, items: { schema: stationCode } },
      }),
    },
    resolve: (_root, args, ctx) => resolvers.warmCache(ctx, args.codes?.map(String), args.destinations?.map(Number)),
  }),
}));
