import type { CacheKind } from '../config/cache-kinds.ts';

/** `<prefix>:v<version>:<kind>:<id>`; the prefix (default `veo`) lets environments share one Redis. */
export function cacheKey(prefix: string, kind: CacheKind, version: number, id: string): string {
  return `${prefix}:v${version}:${kind}:${id}`;
}
