import { describe, expect, it } from 'vitest';
import { REDIS_LIMITS, ResponseCache } from '../src/cache/response-cache.ts';
import { MemoryAnswers } from '../src/cache/response-memory.ts';
import type { RedisAnswers } from '../src/cache/response-redis.ts';

/** A shared tier that records what it is asked to store (the real one is exercised in response-cache.test.ts). */
function recordingRedis() {
  const writes: { key: string; bytes: number; ttlSeconds: number }[] = [];
  const redis = {
    dataVersion: async () => null,
    setDataVersion: async () => {},
    get: async () => null,
    set: async (key: string, json: string, _expiresAt: number, _tags: readonly string[], ttlSeconds: number) => {
      writes.push({ key, bytes: json.length, ttlSeconds });
      return true;
    },
    invalidate: async () => {},
    dropped: async () => false,
  };
  return { redis: redis as unknown as RedisAnswers, writes };
}

describe('the shared tier is bounded whatever clients send', () => {
  it('at most REDIS_LIMITS.writesPerMinute answers a minute, each small enough and kept at most ttlMaxSeconds', async () => {
    let now = Date.UTC(2026, 11, 1, 12, 0, 0);
    const { redis, writes } = recordingRedis();
    const cache = new ResponseCache({
      memory: new MemoryAnswers(16 * 1024 * 1024),
      redis,
      memoryTtlSeconds: 5,
      redisRetryMs: 2_000,
      log: () => {},
      now: () => now,
    });
    // Distinct questions, as a client varying its documents or variables makes them, each for a day.
    for (let i = 0; i < REDIS_LIMITS.writesPerMinute + 50; i++) await cache.set(`q${i}`, { i }, [], 86_400);
    expect(writes).toHaveLength(REDIS_LIMITS.writesPerMinute);
    expect(Math.max(...writes.map((w) => w.ttlSeconds))).toBe(REDIS_LIMITS.ttlMaxSeconds);
    // Those past the bound are still answered from this instance's memory.
    expect(await cache.get(`q${REDIS_LIMITS.writesPerMinute + 10}`)).toMatchObject({ data: { i: REDIS_LIMITS.writesPerMinute + 10 } });

    // An answer too large for the shared tier stays in memory; the next minute writes again.
    now += 60_000;
    await cache.set('large', { text: 'x'.repeat(REDIS_LIMITS.answerMaxBytes) }, [], 3_600);
    await cache.set('small', { text: 'y' }, [], 60);
    expect(writes.slice(REDIS_LIMITS.writesPerMinute).map((w) => [w.key.split('.').at(-1), w.ttlSeconds])).toEqual([['small', 60]]);
  });
});
