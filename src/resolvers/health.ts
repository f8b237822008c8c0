import type { Context } from '../context.ts';

/** Asks the engine directly (not through a loader or cache): health must reflect the engine now. */
export async function health(ctx: Context) {
  const started = performance.now();
  const which = ctx.engine.describe();
  try {
    const answer = await ctx.engine.engine.health();
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return { status: 'ok', engine: { status: 'UP', ...which, version: answer.version, dataVersion: answer.dataVersion, latencyMs } };
  } catch {
    return { status: 'degraded', engine: { status: 'DOWN', ...which, version: null, dataVersion: null, latencyMs: null } };
  }
}
