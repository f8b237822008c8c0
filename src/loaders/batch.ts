import type { Cache, CacheStats } from '../cache/cache.ts';
import type { CacheKind } from '../config/cache-kinds.ts';
import { fromEngineError } from '../errors.ts';
import { inSpan, recording } from '../lib/spans.ts';
import type { Engine } from '../modal/engine.ts';

/** What one request cost: its cache outcomes and its engine calls (for its log line and extensions). */
export interface RequestStats extends CacheStats {
  engineCalls: number;
}

/** What every loader of one request shares. */
export interface LoaderScope {
  engine: Engine;
  cache: Cache;
  stats: RequestStats;
  /** Warming: fetch everything and overwrite the cache. */
  refresh: boolean;
}

/**
 * One cached kind's lookups, the same for every request (so a request builds none of it): how a key is named
 * in the cache and how the engine is asked for the keys the cache did not have.
 */
export interface CachedKind<K, V, C = K> {
  /** The loader's name, for its span in a traced request. */
  loader: string;
  kind: CacheKind;
  idOf(key: K): string;
  /** The engine's answers for `keys` (the misses, in the order given), index-aligned with them. */
  fetch(scope: LoaderScope, keys: K[]): Promise<readonly V[]>;
  /** The argument the engine's field paths sit in (see fromEngineError). */
  fieldPrefix?: string;
  /** DataLoader's key for a key that is an object. */
  cacheKeyFn?: (key: K) => C;
}

export type Batch<K, V> = (keys: readonly K[]) => Promise<(V | Error)[]>;

/**
 * A batch function whose failures are coded once, here: an engine failure, of the whole batch or of one
 * key, rejects the key's load with the GraphQL error its field answers (errors.ts), so a resolver only loads.
 * `fieldPrefix`: the argument the engine's field paths sit in (see fromEngineError). In a traced request each
 * batch is a span named for its loader, with the engine calls and cache lookups it makes under it.
 */
export function coded<K, V>(loader: string, batch: Batch<K, V>, fieldPrefix?: string): Batch<K, V> {
  const run = async (keys: readonly K[]) => {
    try {
      return (await batch(keys)).map((value) => (value instanceof Error ? fromEngineError(value, fieldPrefix) : value));
    } catch (error) {
      throw fromEngineError(error, fieldPrefix);
    }
  };
  // Untraced (the usual case), the span's name and attributes are not even built.
  return (keys) =>
    recording() ? inSpan(`loader ${loader}`, { 'veo.loader': loader, 'veo.loader.keys': keys.length }, () => run(keys)) : run(keys);
}

/** A coded DataLoader batch function over the cache: the kind's `fetch` gets only the keys the cache did not have. */
export function cachedBatch<K, V, C>(spec: CachedKind<K, V, C>, scope: LoaderScope): Batch<K, V> {
  const { cache, stats, refresh } = scope;
  return coded(
    spec.loader,
    async (keys: readonly K[]): Promise<(V | Error)[]> => {
      const lookups = await cache.load<V>(
        spec.kind,
        keys.map(spec.idOf),
        (ids) => {
          stats.engineCalls += 1;
          const byId = new Map(keys.map((key) => [spec.idOf(key), key]));
          return spec.fetch(
            scope,
            ids.map((id) => byId.get(id)!),
          );
        },
        stats,
        { refresh },
      );
      return lookups.map((lookup) => (lookup instanceof Error ? lookup : lookup.value));
    },
    spec.fieldPrefix,
  );
}
