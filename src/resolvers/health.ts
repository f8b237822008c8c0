import type { Context } from '../context.ts';
import { checkCache, checkEngine } from '../observability/health-checks.ts';

/** Asks the engine and the cache directly, in parallel: health must reflect them now. */
export async function health(ctx: Context) {
  const timeoutMs = ctx.config.observability.readyTimeoutMs;
  const [engine, cache] = await Promise.all([checkEngine(ctx.engine, timeoutMs), checkCache(ctx.cache, timeoutMs)]);
  return { status: engine.status === 'UP' && cache.status === 'UP' ? 'ok' : 'degraded', engine, cache };
}
