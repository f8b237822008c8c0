import { GraphQLError } from 'graphql';
import { type AnswerEntity, kindEntities } from '../cache/response-cache.ts';
import { type CacheKind, policyOf } from '../config/cache-kinds.ts';
import type { Context } from '../context.ts';
import { toGlobalId } from '../lib/global-id.ts';
import { createLoaders, newRequestStats } from '../loaders/loaders.ts';

/** The kinds whose ids are the keys of a Node type: an answer that shows one carries its global id. */
const NODE_TYPES: Partial<Record<CacheKind, string>> = { area: 'Area', station: 'Station' };

/** The answers to drop with these ids of a kind (all of the kind without ids): those that read them, and those that show them. */
function answersOf(kind: CacheKind, ids?: readonly string[]): AnswerEntity[] {
  const type = NODE_TYPES[kind];
  const shown = type && ids ? ids.map((id) => ({ typename: type, id: toGlobalId(type, id) })) : [];
  return [...kindEntities(kind, ids), ...shown];
}

function requireAdmin(ctx: Context) {
  if (!ctx.admin) {
    throw new GraphQLError('This operation needs the admin token (Authorization: Bearer <ADMIN_TOKEN>).', {
      extensions: { code: 'FORBIDDEN' },
    });
  }
}

export async function invalidateCache(ctx: Context, kind: CacheKind, ids?: readonly string[] | null) {
  requireAdmin(ctx);
  const { version, deleted } = await ctx.cache.invalidate(kind, ids ?? undefined);
  await ctx.responseCache.invalidate(answersOf(kind, ids ?? undefined));
  return { kind, version, deleted };
}

/**
 * Fetches the areas (all, or `codes`), their crime and school figures, the stations, the personas, and the
 * commutes from every area to each of `destinations`, and writes them to the cache whatever it held.
 */
export async function warmCache(ctx: Context, codes?: readonly string[] | null, destinations?: readonly number[] | null) {
  requireAdmin(ctx);
  const started = performance.now();
  const stats = newRequestStats();
  const loaders = createLoaders(ctx.engine.engine, ctx.cache, stats, { refresh: true });
  const areaCodes = codes?.length ? [...codes] : (await loaders.allAreas.load()).map((a) => a.code);
  const stations = await loaders.stationSearch.load('');
  const pairs = (destinations ?? []).flatMap((to) => areaCodes.map((from) => ({ from, to })));
  // loadMany answers a failed id with an error in its place: that id stays cold and the others are warmed.
  await Promise.all([
    loaders.area.loadMany(areaCodes),
    loaders.crime.loadMany(areaCodes),
    loaders.schools.loadMany(areaCodes),
    loaders.station.loadMany(stations.map((s) => s.id)),
    loaders.commute.loadMany(pairs),
    loaders.personas.load('all'),
  ]);
  // Some areas only: the cached list of every area still holds their old figures, and would answer `areas`
  // with them beside the new `area(code:)`. It goes, and is fetched again on its next use.
  if (codes?.length) await ctx.cache.invalidate('area', policyOf('area').alsoDrops);
  // What was fetched again may have changed: the answers built from the ids read here go (and only those).
  // Each area warmed is named too: after the list of every area, they are answered from it, not read by code.
  const read = [...(stats.read ?? [])].flatMap(([kind, ids]) => answersOf(kind, [...ids]));
  await ctx.responseCache.invalidate([...read, ...answersOf('area', areaCodes)]);
  return {
    areas: areaCodes.length,
    warmed: stats.misses,
    engineCalls: stats.engineCalls,
    durationMs: Math.round(performance.now() - started),
  };
}
