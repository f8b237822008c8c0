/** What the cache holds, one kind per engine lookup. */
export const cacheKinds = ['area', 'crime', 'schools', 'commute', 'station', 'recommendation', 'explanation', 'persona'] as const;
export type CacheKind = (typeof cacheKinds)[number];

/** `<prefix>:v<version>:<kind>:<id>`; the prefix (default `veo`) lets environments share one Redis. */
export function cacheKey(prefix: string, kind: CacheKind, version: number, id: string): string {
  return `${prefix}:v${version}:${kind}:${id}`;
}
