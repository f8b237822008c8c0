import type { EngineHandle } from '../modal/engine.ts';

// One check per dependency, shared by /ready and the schema's `health` field. Each asks the dependency
// itself (never a loader or the cache) and gives up after `timeoutMs`, so a hung dependency cannot hang
// the probe.

export interface EngineCheck {
  status: 'UP' | 'DOWN';
  mode: string;
  active: string;
  breaker?: string;
  version: string | null;
  dataVersion: string | null;
  latencyMs: number | null;
  error?: string;
}

/** What the cache check asks of the cache: its tiers, its Redis breaker, and a ping past that breaker. */
export interface CacheProbe {
  readonly tiers: string[];
  readonly redisState?: string;
  ping(): Promise<void>;
}

export interface CacheCheck {
  /** UP when every tier answers; DEGRADED when Redis does not (the memory tier serves alone). */
  status: 'UP' | 'DEGRADED';
  tiers: string[];
  /** UP or DOWN; null without Redis. */
  redis: 'UP' | 'DOWN' | null;
  breaker: string | null;
  latencyMs: number | null;
  error?: string;
}

export async function checkEngine(engine: EngineHandle, timeoutMs: number): Promise<EngineCheck> {
  const started = performance.now();
  try {
    const answer = await withTimeout(engine.engine.health(), timeoutMs);
    const which = engine.describe();
    return { status: 'UP', ...which, version: answer.version, dataVersion: answer.dataVersion, latencyMs: since(started) };
  } catch (error) {
    return { status: 'DOWN', ...engine.describe(), version: null, dataVersion: null, latencyMs: null, error: (error as Error).message };
  }
}

export async function checkCache(cache: CacheProbe, timeoutMs: number): Promise<CacheCheck> {
  const started = performance.now();
  const withRedis = cache.tiers.includes('redis');
  const breaker = cache.redisState ?? null;
  try {
    await withTimeout(cache.ping(), timeoutMs);
    return { status: 'UP', tiers: cache.tiers, redis: withRedis ? 'UP' : null, breaker, latencyMs: since(started) };
  } catch (error) {
    return { status: 'DEGRADED', tiers: cache.tiers, redis: 'DOWN', breaker, latencyMs: null, error: (error as Error).message };
  }
}

function since(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
