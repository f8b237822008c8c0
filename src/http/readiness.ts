import { type Plugin, useReadinessCheck } from 'graphql-yoga';
import type { EngineHandle } from '../modal/engine.ts';
import { type CacheProbe, checkCache, checkEngine } from '../observability/health-checks.ts';

export interface ReadinessOptions {
  engine: EngineHandle;
  cache: CacheProbe;
  /** Per check; both run at once, so the probe answers within about this. */
  timeoutMs: number;
  /** True once the server is shutting down: the instance must leave the rotation before it stops. */
  draining?: () => boolean;
  path?: string;
  /** A check's answer serves every probe for this long (and probes arriving meanwhile share it). */
  reuseMs?: number;
  now?: () => number;
}

type Checks = { ready: boolean; body: unknown };

/**
 * /ready: whether this instance can answer now (/health only says it is alive). 503 when the engine does
 * not answer. Redis down is reported but leaves the instance ready: the cache is bypassed and answers
 * still come, and since every instance shares one Redis, taking them all out of rotation would turn a
 * slower service into no service. 503 while the server drains on shutdown, without asking anything.
 * Yoga's readiness plugin answers the path; the check gives it the whole response, with the checks' body.
 */
export function useReadiness({
  engine,
  cache,
  timeoutMs,
  draining,
  path = '/ready',
  reuseMs = 1_000,
  now = Date.now,
}: ReadinessOptions): Plugin {
  // The endpoint is public and each check is an engine call (a paid one on Modal): a flood of probes must
  // not become a flood of engine calls, so one check answers every probe within `reuseMs` of it.
  let last: { at: number; checks: Promise<Checks> } | undefined;
  const runChecks = async (): Promise<Checks> => {
    const [engineCheck, cacheCheck] = await Promise.all([checkEngine(engine, timeoutMs), checkCache(cache, timeoutMs)]);
    const ready = engineCheck.status === 'UP';
    return { ready, body: { status: ready ? 'ready' : 'not_ready', checks: { engine: engineCheck, cache: cacheCheck } } };
  };
  const answer = (Response: typeof globalThis.Response, status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  return useReadinessCheck({
    endpoint: path,
    async check({ fetchAPI }) {
      if (draining?.()) return answer(fetchAPI.Response, 503, { status: 'draining' });
      if (!last || now() - last.at >= reuseMs) last = { at: now(), checks: runChecks() };
      const { ready, body } = await last.checks;
      return answer(fetchAPI.Response, ready ? 200 : 503, body);
    },
  });
}

/**
 * /health: the process answers (200, no body). Answered here rather than by Yoga's own check, which runs before
 * every plugin of ours (so /health was never timed in the metrics, and its alert had no series) and answers any
 * path that ends in its endpoint.
 */
export function useLiveness(path = '/health'): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === path) endResponse(new fetchAPI.Response(null, { status: 200, headers: { 'cache-control': 'no-store' } }));
    },
  };
}
