import { GraphQLError } from 'graphql';
import type { CacheKind } from '../config/cache-kinds.ts';
import type { Context } from '../context.ts';
import { createLoaders, newRequestStats } from '../loaders/loaders.ts';

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
  return {
    areas: areaCodes.length,
    warmed: stats.misses,
    engineCalls: stats.engineCalls,
    durationMs: Math.round(performance.now() - started),
  };
}
