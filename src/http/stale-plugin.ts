import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';

/**
 * When a part of the answer came from a cached copy past its TTL (the engine failed, or had not answered within ENGINE_STALE_AFTER_MS), say so in
 * `extensions.stale`: `[{kind, ids}]`, so a client can show that the figures may be out of date.
 */
export function useStaleMarker(): Plugin<Context> {
  return {
    onExecute({ args }) {
      const stats = (args.contextValue as Context).stats;
      return {
        onExecuteDone({ result, setResult }) {
          if (stats.stale.size === 0 || Symbol.asyncIterator in result) return;
          const stale = [...stats.stale].map(([kind, ids]) => ({ kind, ids: [...ids].sort() }));
          setResult({ ...result, extensions: { ...result.extensions, stale } });
        },
      };
    },
  };
}
