import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/** The part of the request context this plugin reads: which cached copies past their TTL the answer used. */
interface StaleContext {
  stats: { stale: ReadonlyMap<string, ReadonlySet<string>> };
}

/**
 * When a part of the answer came from a cached copy past its TTL (the engine failed, or had not answered
 * within ENGINE_STALE_AFTER_MS), say so in `extensions.stale`: `[{kind, ids}]`, so a client can show that
 * the figures may be out of date.
 */
export function useStaleMarker(): Plugin<StaleContext> {
  return {
    onExecute({ args }) {
      const stats = args.contextValue.stats;
      return {
        onExecuteDone({ result, setResult }) {
          if (stats.stale.size === 0 || isAsyncIterable(result)) return;
          const stale = [...stats.stale].map(([kind, ids]) => ({ kind, ids: [...ids].sort() }));
          setResult({ ...result, extensions: { ...result.extensions, stale } });
        },
      };
    },
  };
}
