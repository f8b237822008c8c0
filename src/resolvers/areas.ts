import type { Context } from '../context.ts';
import { engineCall } from '../errors.ts';
import type { Area, Size } from '../modal/contract.ts';
import { paginate } from './pagination.ts';

export interface AreaFilter {
  codes?: readonly string[] | null;
  innerOuter?: 'inner' | 'outer' | null;
  nameContains?: string | null;
  maxRent?: { size: Size; max: number } | null;
  maxAveragePrice?: number | null;
  minPtal?: number | null;
}

export type AreaOrderField =
  | 'CODE' | 'NAME' | 'POPULATION' | 'DENSITY' | 'AVERAGE_PRICE' | 'PRICE_GROWTH_5Y' | 'MEDIAN_RENT' | 'PTAL' | 'GREENSPACE';

export interface AreaOrder {
  field: AreaOrderField;
  direction?: 'ASC' | 'DESC' | null;
}

const sortValue: Record<AreaOrderField, (a: Area) => string | number | null> = {
  CODE: (a) => a.code,
  NAME: (a) => a.name,
  POPULATION: (a) => a.population,
  DENSITY: (a) => a.densityPerHectare,
  AVERAGE_PRICE: (a) => a.housing.averagePrice,
  PRICE_GROWTH_5Y: (a) => a.housing.priceChange5yPct,
  MEDIAN_RENT: (a) => a.housing.medianRentAll,
  PTAL: (a) => a.transport.ptal,
  GREENSPACE: (a) => a.environment.greenspacePct,
};

export function area(ctx: Context, code: string) {
  return engineCall(() => ctx.loaders.area.load(code));
}

export type AreaPage = Awaited<ReturnType<typeof areas>>;

export async function areas(
  ctx: Context,
  args: { filter?: AreaFilter | null; orderBy?: AreaOrder | null; first?: number | null; after?: string | null },
) {
  const all = await engineCall(() => ctx.loaders.allAreas.load());
  const matching = all.filter((a) => matches(a, args.filter ?? {}));
  return paginate(sortAreas(matching, args.orderBy ?? { field: 'NAME' }), args.first ?? 20, args.after);
}

export function rentFor(a: Area, size: Size) {
  return a.housing.rents.find((rent) => rent.size === size) ?? null;
}

function matches(a: Area, filter: AreaFilter): boolean {
  if (filter.codes && !filter.codes.includes(a.code)) return false;
  if (filter.innerOuter && a.innerOuter !== filter.innerOuter) return false;
  if (filter.nameContains && !a.name.toLowerCase().includes(filter.nameContains.toLowerCase())) return false;
  if (filter.maxRent) {
    const median = rentFor(a, filter.maxRent.size)?.median;
    if (median == null || median > filter.maxRent.max) return false;
  }
  if (filter.maxAveragePrice != null) {
    if (a.housing.averagePrice == null || a.housing.averagePrice > filter.maxAveragePrice) return false;
  }
  if (filter.minPtal != null && (a.transport.ptal == null || a.transport.ptal < filter.minPtal)) return false;
  return true;
}

/** Sorts by the field, missing figures last whatever the direction, then by code for a stable order. */
function sortAreas(list: Area[], order: AreaOrder): Area[] {
  const value = sortValue[order.field];
  const sign = order.direction === 'DESC' ? -1 : 1;
  return [...list].sort((x, y) => {
    const a = value(x);
    const b = value(y);
    if (a == null || b == null) return a == null && b == null ? x.code.localeCompare(y.code) : a == null ? 1 : -1;
    const cmp = typeof a === 'string' ? a.localeCompare(String(b)) : a - (b as number);
    return cmp !== 0 ? sign * cmp : x.code.localeCompare(y.code);
  });
}

export function safety(a: Area, ctx: Context) {
  return engineCall(() => ctx.loaders.crime.load(a.code));
}

export function schools(a: Area, ctx: Context) {
  return engineCall(() => ctx.loaders.schools.load(a.code));
}

export function commute(a: Area, to: number, ctx: Context) {
  return engineCall(() => ctx.loaders.commute.load({ from: a.code, to }));
}
