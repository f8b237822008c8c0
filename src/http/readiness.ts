import type { Plugin } from 'graphql-yoga';
import type { Cache } from '../cache/cache.ts';
import type { EngineHandle } from '../modal/engine.ts';
import { checkCache, checkEngine } from '../observability/health-checks.ts';

export interface ReadinessOptions {
  engine: EngineHandle;
  cache: Cache;
  /** Per check; both run at once, so the probe answers within about this. */
  timeoutMs: number;
  /** True once the server is shutting down: the instance must leave the rotation before it stops. */
  draining?: () => boolean;
  path?: string;
}

/**
 * /ready: whether this instance can answer now (/health only says it is alive). 503 when the engine does
 * not answer. Redis down is reported but leaves the instance ready: the cache is bypassed and answers
 * still come, and since every instance shares one Redis, taking them all out of rotation would turn a
 * slower service into no service. 503 while the server drains on shutdown, without asking anything.
 */
export function useReadiness({ engine, cache, timeoutMs, draining, path = '/ready' }: ReadinessOptions): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      if (draining?.()) {
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: 'draining' }), {
            status: 503,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          }),
        );
        return;
      }
      const [engineCheck, cacheCheck] = await Promise.all([checkEngine(engine, timeoutMs), checkCache(cache, timeoutMs)]);
      const ready = engineCheck.status === 'UP';
      const body = { status: ready ? 'ready' : 'not_ready', checks: { engine: engineCheck, cache: cacheCheck } };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: ready ? 200 : 503,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
