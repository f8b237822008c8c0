import type { Context } from '../context.ts';
import { engineCall, fromEngineError } from '../errors.ts';
import type { Station } from '../modal/contract.ts';

export async function stations(ctx: Context, search: string | null | undefined, first: number) {
  const found = await engineCall(() => ctx.loaders.stationSearch.load((search ?? '').toLowerCase()));
  const list = found.slice(0, first);
  for (const s of list) ctx.loaders.station.prime(s.id, s);
  return list;
}

export function station(ctx: Context, id: number) {
  return engineCall(() => ctx.loaders.station.load(id));
}

/** Stations in the order of `ids`, in one engine call with the rest of the request's station lookups. */
export async function stationList(ctx: Context, ids: readonly number[]) {
  const list = await ctx.loaders.station.loadMany(ids);
  const failed = list.find((s) => s instanceof Error);
  if (failed) throw fromEngineError(failed);
  return list.filter((s): s is Station => s !== null && !(s instanceof Error));
}

export function stationArea(s: Station, ctx: Context) {
  return s.boroughCode ? engineCall(() => ctx.loaders.area.load(s.boroughCode!)) : null;
}
