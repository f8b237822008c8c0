import { randomUUID } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashLocal, type UpstashLocal } from '../scripts/upstash-local.ts';
import { upstashClient } from '../src/lib/upstash-client.ts';
import type { Budget } from '../src/ratelimit/bucket.ts';
import { DegradedLimits } from '../src/ratelimit/degraded.ts';
import type { Limiter } from '../src/ratelimit/limiter.ts';
import { MemoryLimiter } from '../src/ratelimit/memory-limiter.ts';
import { UpstashLimiter } from '../src/ratelimit/upstash-limiter.ts';
import { requireRedis } from './helpers/redis.ts';

const redisUp = await requireRedis();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const MINUTE: Budget = { name: 'minute', points: 6000, windowMs: 60_000 }; // 100 points a second
const DAY: Budget = { name: 'day', points: 200_000, windowMs: 86_400_000 };

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** What every store must do the same way, whichever is behind the Limiter. */
function bucketSemantics(make: () => Promise<{ limiter: Limiter; id: () => string }>) {
  it('refuses a cost over what is left without charging it, then charges what fits', async () => {
    const { limiter, id } = await make();
    const client = id();
    const small: Budget = { name: 'minute', points: 10, windowMs: 3_600_000 };
    expect((await limiter.apply(client, [{ budget: small, cost: 7 }])).decisions[0]).toMatchObject({ remaining: 3, enough: true });
    const refused = await limiter.apply(client, [{ budget: small, cost: 5 }]);
    expect(refused.success).toBe(false);
    expect(refused.decisions[0]).toMatchObject({ remaining: 3, enough: false, limit: 10 });
    expect((await limiter.apply(client, [{ budget: small, cost: 3 }])).decisions[0]).toMatchObject({ remaining: 0, enough: true });
  });

  it('a call refused by one budget charges neither', async () => {
    const { limiter, id } = await make();
    const client = id();
    const minute: Budget = { name: 'minute', points: 1000, windowMs: 3_600_000 };
    const day: Budget = { name: 'day', points: 150, windowMs: 86_400_000 };
    const charge = (cost: number) =>
      limiter.apply(client, [
        { budget: minute, cost },
        { budget: day, cost },
      ]);
    expect((await charge(100)).success).toBe(true);
    const refused = await charge(100);
    expect(refused.success).toBe(false);
    expect(refused.decisions.map((d) => [d.remaining, d.enough])).toEqual([
      [900, true],
      [50, false],
    ]);
    const read = await limiter.apply(client, [
      { budget: minute, cost: 0 },
      { budget: day, cost: 0 },
    ]);
    expect(read.decisions.map((d) => d.remaining)).toEqual([900, 50]);
  });

  it('refunds never push a bucket past its size', async () => {
    const { limiter, id } = await make();
    const client = id();
    const budget: Budget = { name: 'minute', points: 100, windowMs: 3_600_000 };
    await limiter.apply(client, [{ budget, cost: 60 }]);
    expect((await limiter.apply(client, [{ budget, cost: -25 }])).decisions[0]!.remaining).toBe(65);
    expect((await limiter.apply(client, [{ budget, cost: -500 }])).decisions[0]!.remaining).toBe(100);
    // Full again: the whole budget is there, no more.
    expect((await limiter.apply(client, [{ budget, cost: 101 }])).success).toBe(false);
    expect((await limiter.apply(client, [{ budget, cost: 100 }])).success).toBe(true);
  });
}

describe('the in-process store', () => {
  describe('bucket semantics', () => {
    bucketSemantics(async () => ({ limiter: new MemoryLimiter(), id: () => randomUUID() }));
  });

  it('restores at restoreRate: a step every second, nothing in between, never past the size', async () => {
    const clock = manualClock();
    const limiter = new MemoryLimiter(clock.now);
    const take = async (cost: number) => (await limiter.apply('c', [{ budget: MINUTE, cost }])).decisions[0]!;
    expect((await take(3000)).remaining).toBe(3000);
    clock.advance(999);
    expect((await take(0)).remaining).toBe(3000);
    clock.advance(1);
    expect((await take(0)).remaining).toBe(3100); // 6000 points a minute: 100 a second
    clock.advance(10_000);
    expect((await take(0)).remaining).toBe(4100);
    clock.advance(60_000);
    expect((await take(0)).remaining).toBe(6000);
  });

  it('restores a day budget at its own rate, fractional steps adding up exactly', async () => {
    const clock = manualClock();
    const limiter = new MemoryLimiter(clock.now);
    const take = async (cost: number) => (await limiter.apply('c', [{ budget: DAY, cost }])).decisions[0]!;
    await take(200_000);
    clock.advance(3_600_000); // an hour: a 24th of the day budget
    expect((await take(0)).remaining).toBe(Math.floor(200_000 / 24));
    clock.advance(23 * 3_600_000);
    expect((await take(0)).remaining).toBe(200_000);
  });

  it('forgets a bucket once it would be full, and keeps at most its bound of buckets', async () => {
    const clock = manualClock();
    const limiter = new MemoryLimiter(clock.now, undefined, 100);
    const small: Budget = { name: 'minute', points: 10, windowMs: 10_000 };
    for (let i = 0; i < 500; i += 1) await limiter.apply(`c${i}`, [{ budget: small, cost: 10 }]);
    const buckets = (limiter as unknown as { buckets: { size: number } }).buckets;
    expect(buckets.size).toBe(100);
    clock.advance(10_000);
    expect((await limiter.apply('c499', [{ budget: small, cost: 0 }])).decisions[0]!.remaining).toBe(10);
  });
});

describe('degraded limits', () => {
  const budget: Budget = { name: 'minute', points: 100, windowMs: 60_000 };

  it('a seen client starts from what was last seen and refills at the normal rate; an unseen one gets the fraction', async () => {
    const clock = manualClock();
    const logs: string[] = [];
    const changes: boolean[] = [];
    const degraded = new DegradedLimits({
      fraction: 0.25,
      log: (event) => logs.push(event),
      onChange: (d) => changes.push(d),
      now: clock.now,
    });
    degraded.observe(
      'seen',
      [{ budget, cost: 0 }],
      [{ tokens: 4, refilledAt: clock.now(), limit: 100, remaining: 4, enough: true, store: 'redis' }],
    );

    const limiter = degraded.limiter();
    expect(changes).toEqual([true]);
    expect(logs).toContain('ratelimit.degraded');
    expect((await limiter.apply('seen', [{ budget, cost: 5 }])).success).toBe(false);
    expect((await limiter.apply('seen', [{ budget, cost: 4 }])).success).toBe(true);
    clock.advance(3_000); // 100 a minute: 5 points in 3 s
    expect((await limiter.apply('seen', [{ budget, cost: 0 }])).decisions[0]!.remaining).toBe(5);

    const unseen = await limiter.apply('unseen', [{ budget, cost: 0 }]);
    expect(unseen.decisions[0]).toMatchObject({ limit: 25, remaining: 25 });
    expect((await limiter.apply('unseen', [{ budget, cost: 26 }])).success).toBe(false);
    expect((await limiter.apply('unseen', [{ budget, cost: 25 }])).success).toBe(true);
    // The same limiter for the whole outage: what was charged stays charged.
    expect(degraded.limiter()).toBe(limiter);
    expect((await degraded.limiter().apply('unseen', [{ budget, cost: 1 }])).success).toBe(false);

    degraded.observe(
      'seen',
      [{ budget, cost: 0 }],
      [{ tokens: 50, refilledAt: clock.now(), limit: 100, remaining: 50, enough: true, store: 'redis' }],
    );
    expect(changes).toEqual([true, false]);
    expect(logs).toContain('ratelimit.degraded.ended');
  });

  it('remembers a bounded number of buckets', () => {
    const degraded = new DegradedLimits({ fraction: 0.25, log: () => {}, now: Date.now });
    const decision = { tokens: 1, refilledAt: Date.now(), limit: 100, remaining: 1, enough: true, store: 'redis' as const };
    for (let i = 0; i < 30_000; i += 1) degraded.observe(`ip:10.0.${i >> 8}.${i & 255}`, [{ budget, cost: 0 }], [decision]);
    expect((degraded as unknown as { seen: { size: number } }).seen.size).toBe(20_000);
  });
});

describe.skipIf(!redisUp)('the Upstash store, over a real Redis', () => {
  let upstash: UpstashLocal;
  const prefix = `tb${randomUUID().slice(0, 8)}`;
  const limiter = () =>
    new UpstashLimiter({
      url: upstash.url,
      token: upstash.token,
      prefix,
      timeoutMs: 1_000,
      retryMs: 1_000,
      degradedFraction: 0.25,
      log: () => {},
    });
  beforeAll(async () => {
    upstash = await startUpstashLocal();
  });
  afterAll(() => upstash?.close());

  describe('bucket semantics', () => {
    bucketSemantics(async () => ({ limiter: limiter(), id: () => `ip:${randomUUID()}` }));
  });

  it('restores at restoreRate in real time', async () => {
    const store = limiter();
    const id = `ip:${randomUUID()}`;
    const budget: Budget = { name: 'minute', points: 100, windowMs: 2_000 }; // 50 points a second
    expect((await store.apply(id, [{ budget, cost: 100 }])).decisions[0]!.remaining).toBe(0);
    expect((await store.apply(id, [{ budget, cost: 1 }])).success).toBe(false);
    await sleep(1_100);
    const after = (await store.apply(id, [{ budget, cost: 0 }])).decisions[0]!;
    expect(after.remaining).toBe(50);
    await sleep(1_000);
    expect((await store.apply(id, [{ budget, cost: 0 }])).decisions[0]!.remaining).toBe(100);
  });

  it("keeps @upstash/ratelimit's tokenBucket key layout, so its tools read these buckets", async () => {
    const store = limiter();
    const id = `ip:${randomUUID()}`;
    const budget: Budget = { name: 'minute', points: 100, windowMs: 3_600_000 };
    await store.apply(id, [{ budget, cost: 30 }]);
    const library = new Ratelimit({
      redis: upstashClient(upstash.url, upstash.token, 1_000),
      limiter: Ratelimit.tokenBucket(budget.points / 3600, '1000 ms', budget.points),
      prefix: `${prefix}:rl:minute`,
      analytics: false,
    });
    expect((await library.getRemaining(id)).remaining).toBe(70);
    await library.resetUsedTokens(id);
    expect((await store.apply(id, [{ budget, cost: 0 }])).decisions[0]!.remaining).toBe(100);
  });

  it('with the store away, answers from degraded limits, and from the store again when it is back', async () => {
    const own = await startUpstashLocal();
    const port = Number(new URL(own.url).port);
    const changes: boolean[] = [];
    const store = new UpstashLimiter({
      url: own.url,
      token: own.token,
      prefix,
      timeoutMs: 300,
      retryMs: 200,
      degradedFraction: 0.25,
      log: () => {},
      onDegraded: (d) => changes.push(d),
    });
    const id = `ip:${randomUUID()}`;
    const budget: Budget = { name: 'minute', points: 100, windowMs: 3_600_000 };
    await store.apply(id, [{ budget, cost: 90 }]);
    await own.close();
    const away = await store.apply(id, [{ budget, cost: 11 }]);
    expect(away).toMatchObject({ success: false });
    expect(away.decisions[0]).toMatchObject({ store: 'memory', remaining: 10 });
    expect((await store.apply(id, [{ budget, cost: 10 }])).success).toBe(true);
    expect(changes).toEqual([true]);
    const back = await startUpstashLocal({ port, token: own.token });
    try {
      await sleep(300);
      const fromRedis = await store.apply(id, [{ budget, cost: 0 }]);
      expect(fromRedis.decisions[0]).toMatchObject({ store: 'redis', remaining: 10 });
      expect(changes).toEqual([true, false]);
      // A refund of points charged in-process while Redis was away never reaches Redis.
      const refund = await store.apply(id, [{ budget, cost: -10 }], { refundOnlyIn: 'memory' });
      expect(refund.decisions[0]!.remaining).toBe(10);
    } finally {
      await back.close();
    }
  });
});
