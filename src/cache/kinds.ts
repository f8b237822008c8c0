/** What the cache holds, one kind per engine lookup. */
export const cacheKinds = ['area', 'crime', 'schools', 'commute', 'station', 'recommendation', 'explanation', 'persona'] as const;
export type CacheKind = (typeof cacheKinds)[number];

/** Seconds each kind stays fresh (the seed research's TTLs); every one is configurable. */
export const defaultTtlSeconds: Record<CacheKind, number> = {
  area: 24 * 3600,
  crime: 30 * 24 * 3600,
  schools: 90 * 24 * 3600,
  commute: 7 * 24 * 3600,
  station: 7 * 24 * 3600,
  recommendation: 3600,
  explanation: 3600,
  persona: 24 * 3600,
};

/** `<prefix>:v<version>:<kind>:<id>`; the prefix (default `veo`) lets environments share one Redis. */
export function cacheKey(prefix: string, kind: CacheKind, version: number, id: string): string {
  return `${prefix}:v${version}:${kind}:${id}`;
}
