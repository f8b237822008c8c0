/**
 * What the cache holds, one kind per engine lookup, and each kind's policy. The configuration builds the
 * TTL variables from this table (src/config/env.ts), the cache reads what an invalidation drops and how long
 * a value is kept, and the loaders read the ids of their lists. A new kind is a new row here, its method in
 * the engine client (src/modal/) and its loader (src/loaders/loaders.ts).
 */

const HOUR = 3600;
const DAY = 24 * HOUR;

/** The id of the list of every area, cached beside the areas it holds. */
export const ALL_AREAS = 'all';

export interface CacheKindPolicy {
  /** Seconds a value stays fresh, unless `variable` says otherwise. */
  ttlSeconds: number;
  /** The environment variable that sets the TTL. */
  variable: `CACHE_TTL_${string}`;
  /** Ids dropped whenever any id of the kind is invalidated: the lists that hold the ids named. */
  alsoDrops?: readonly string[];
  /** Seconds to keep one fetched value, given the kind's TTL; null: not at all. Unset: the TTL. */
  keepFor?: (value: unknown, ttlSeconds: number) => number | null;
}

/**
 * A finished job for the TTL; a running one briefly, so the same question asked again meanwhile neither
 * starts nor pays for another job; a failed one not at all (asking again retries it).
 */
function keepJob(value: unknown, ttlSeconds: number): number | null {
  const status = (value as { status?: string } | null)?.status;
  if (status === 'READY') return ttlSeconds;
  if (status === 'PENDING') return Math.min(60, ttlSeconds);
  return null;
}

export const cacheKindPolicies = {
  area: { ttlSeconds: DAY, variable: 'CACHE_TTL_AREA', alsoDrops: [ALL_AREAS] },
  crime: { ttlSeconds: 30 * DAY, variable: 'CACHE_TTL_CRIME' },
  schools: { ttlSeconds: 90 * DAY, variable: 'CACHE_TTL_SCHOOLS' },
  commute: { ttlSeconds: 7 * DAY, variable: 'CACHE_TTL_COMMUTE' },
  station: { ttlSeconds: 7 * DAY, variable: 'CACHE_TTL_STATION' },
  recommendation: { ttlSeconds: HOUR, variable: 'CACHE_TTL_RECOMMENDATION' },
  explanation: { ttlSeconds: HOUR, variable: 'CACHE_TTL_EXPLANATION', keepFor: keepJob },
  persona: { ttlSeconds: DAY, variable: 'CACHE_TTL_PERSONA' },
} as const satisfies Record<string, CacheKindPolicy>;

export type CacheKind = keyof typeof cacheKindPolicies;
export const cacheKinds = Object.keys(cacheKindPolicies) as CacheKind[];

/** The policy of `kind`, with the optional parts typed for every kind. */
export const policyOf = (kind: CacheKind): CacheKindPolicy => cacheKindPolicies[kind];
