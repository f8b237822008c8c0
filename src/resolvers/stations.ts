import type { Context } from '../context.ts';
import type { Station } from '../modal/contract.ts';

/** The first `first` stations whose name contains `search`, primed so later lookups by id cost nothing. */
export async function stations(ctx: Context, search: string | null | undefined, first: number) {
  const found = await ctx.loaders.stationSearch.load((search ?? '').toLowerCase());
  const list = found.slice(0, first);
  for (const s of list) ctx.loaders.station.prime(s.id, s);
  return list;
}

/**
 * Stations in the order of `ids`, in one engine call with the rest of the request's station lookups. The
 * list fails as a whole with the first failure; an id the engine does not know is left out.
 */
export async function stationList(ctx: Context, ids: readonly number[]) {
  const list = await ctx.loaders.station.loadMany(ids);
  const failed = list.find((s) => s instanceof Error);
  if (failed) throw failed;
  return list.filter((s): s is Station => s !== null && !(s instanceof Error));
}
