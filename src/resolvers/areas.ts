import type { Context } from '../context.ts';
import type { Area, Size } from '../modal/contract.ts';
import { paginate } from './pagination.ts';

/** What areas can be ordered by (the AreaOrderField enum), and the figure each orders by. */
const sortValue = {
  CODE: (a: Area) => a.code,
  NAME: (a: Area) => a.name,
  POPULATION: (a: Area) => a.population,
  DENSITY: (a: Area) => a.densityPerHectare,
  AVERAGE_PRICE: (a: Area) => a.housing.averagePrice,
  PRICE_GROWTH_5Y: (a: Area) => a.housing.priceChange5yPct,
  MEDIAN_RENT: (a: Area) => a.housing.medianRentAll,
  PTAL: (a: Area) => a.transport.ptal,
  GREENSPACE: (a: Area) => a.environment.greenspacePct,
} satisfies Record<string, (a: Area) => string | number | null>;

export type AreaOrderField = keyof typeof sortValue;
export const areaOrderFields = Object.keys(sortValue) as AreaOrderField[];

export interface AreaFilter {
  codes?: readonly string[] | null;
  innerOuter?: 'inner' | 'outer' | null;
  nameContains?: string | null;
  maxRent?: { size: Size; max: number } | null;
  maxAveragePrice?: number | null;
  minPtal?: number | null;
}

export interface AreaOrder {
  field: AreaOrderField;
  direction?: 'ASC' | 'DESC' | null;
}

export type AreaPage = Awaited<ReturnType<typeof areas>>;

/** Every area, filtered, ordered (by name unless told) and paginated. */
export async function areas(
  ctx: Context,
  args: { filter?: AreaFilter | null; orderBy?: AreaOrder | null; first?: number | null; after?: string | null },
) {
  const all = await ctx.loaders.allAreas.load();
  const order = args.orderBy ?? { field: 'NAME' };
  const sorted = args.filter
    ? sortAreas(
        all.filter((a) => matches(a, args.filter!)),
        order,
      )
    : sortedAll(all, order);
  return paginate(sorted, args.first ?? 20, args.after);
}

/**
 * Every area in `order`, sorted once per list the cache hands out (the same array until it is fetched
 * again), not once per request: a dashboard asks for the whole list in one of a few orders, again and again.
 */
const sortedLists = new WeakMap<readonly Area[], Map<string, Area[]>>();
function sortedAll(all: Area[], order: AreaOrder): readonly Area[] {
  let byOrder = sortedLists.get(all);
  if (!byOrder) {
    byOrder = new Map();
    sortedLists.set(all, byOrder);
  }
  const key = `${order.field} ${order.direction ?? 'ASC'}`;
  let sorted = byOrder.get(key);
  if (!sorted) {
    sorted = sortAreas(all, order);
    byOrder.set(key, sorted);
  }
  return sorted;
}

/** The rents of one size, or null where the data has none. */
export function rentFor(housing: Area['housing'], size: Size) {
  return housing.rents.find((rent) => rent.size === size) ?? null;
}

function matches(a: Area, filter: AreaFilter): boolean {
  if (filter.codes && !filter.codes.includes(a.code)) return false;
  if (filter.innerOuter && a.innerOuter !== filter.innerOuter) return false;
  if (filter.nameContains && !a.name.toLowerCase().includes(filter.nameContains.toLowerCase())) return false;
  if (filter.maxRent) {
    const median = rentFor(a.housing, filter.maxRent.size)?.median;
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
  const value: (a: Area) => string | number | null = sortValue[order.field];
  const sign = order.direction === 'DESC' ? -1 : 1;
  return [...list].sort((x, y) => {
    const a = value(x);
    const b = value(y);
    if (a == null || b == null) return a == null && b == null ? x.code.localeCompare(y.code) : a == null ? 1 : -1;
    const cmp = typeof a === 'string' ? a.localeCompare(String(b)) : a - (b as number);
    return cmp !== 0 ? sign * cmp : x.code.localeCompare(y.code);
  });
}
