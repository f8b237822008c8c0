import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startUpstashLocal } from '../scripts/upstash-local.ts';
import { requireRedis } from './helpers/redis.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const redisUp = await requireRedis();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const AREA = `{ area(code: "E09000007") { name housing { medianRentAll } safety { rank } } }`; // 3
const DASHBOARD = `{ areas(first: 33) { nodes { code housing { medianRentAll } safety { rank } } } }`; // 100
const INFO = `{ rateLimit { budgets { name remaining } } }`;
const KEY = 'k_budgets_degraded_0123456789';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

/** Points admitted (sum of their cost) sending AREA until the first refusal. */
async function spendUntilRefused(s: TestServer, headers: Record<string, string> = {}) {
  let admitted = 0;
  for (let i = 0; i < 60; i += 1) {
    const answer = await s.gql(AREA, {}, headers);
    if (answer.status !== 200) {
      expect(answer.status).toBe(429);
      expect(answer.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      return admitted;
    }
    admitted += answer.body.extensions!.cost.actualQueryCost;
  }
  throw new Error('never refused');
}

const degradedGauge = async (s: TestServer) => /^veo_ratelimit_degraded (\d)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1];

describe.skipIf(!redisUp)('two instances sharing Upstash, with the store taken away', () => {
  it('admit no more than what each last saw remaining, and a fraction of the budget for a client they never saw', async () => {
    const store = await startUpstashLocal();
    const port = Number(new URL(store.url).port);
    const env = {
      UPSTASH_REDIS_REST_URL: store.url,
      UPSTASH_REDIS_REST_TOKEN: store.token,
      CACHE_PREFIX: `t${randomUUID().slice(0, 8)}`,
      // 100 points restored per hour: not one point comes back while the test runs.
      RATE_LIMIT_POINTS_PER_MINUTE: '100',
      RATE_LIMIT_WINDOW_MS: '3600000',
      RATE_LIMIT_TIERS: 'small:100:100000:10',
      API_KEYS: `keyed:${KEY}:small`,
      RATE_LIMIT_DEGRADED_FRACTION: '0.25',
      RATE_LIMIT_TIMEOUT_MS: '200',
      RATE_LIMIT_RETRY_MS: '1000',
    };
    const a = await startServer(env);
    const b = await startServer(env);
    servers.push(a, b);

    // The anonymous client spends its whole budget on a; b sees it spent (a free rateLimit read).
    expect((await a.gql(DASHBOARD)).status).toBe(200);
    expect((await b.gql(INFO)).body.data!.rateLimit.budgets[0]).toEqual({ name: 'minute', remaining: 0 });
    // The keyed client spends 30 of its 100 on a only; b never sees it.
    for (let i = 0; i < 10; i += 1) expect((await a.gql(AREA, {}, { 'x-api-key': KEY })).status).toBe(200);
    expect(await degradedGauge(a)).toBe('0');

    await store.close();
    const spentOnA = await spendUntilRefused(a);
    const spentOnB = await spendUntilRefused(b);
    const keyedOnA = await spendUntilRefused(a, { 'x-api-key': KEY });
    const keyedOnB = await spendUntilRefused(b, { 'x-api-key': KEY });

    // Without degraded limits each instance started a fresh budget: 2 × 99 points on a spent 100.
    expect(spentOnA + spentOnB).toBe(0);
    // a saw 70 left; b gives a client it never saw a quarter of its budget.
    expect(keyedOnA).toBeLessThanOrEqual(70);
    expect(keyedOnA).toBeGreaterThan(60);
    expect(keyedOnB).toBeLessThanOrEqual(25);
    expect(keyedOnB).toBeGreaterThan(15);
    for (const s of [a, b]) {
      expect(await degradedGauge(s)).toBe('1');
      expect(s.logs.filter((l) => l.event === 'ratelimit.degraded')).toHaveLength(1);
    }
    const limitWhileDegraded = (await b.gql(INFO, {}, { 'x-api-key': KEY })).headers.get('x-ratelimit-limit');
    expect(limitWhileDegraded).toBe('25');

    // The store is back: shared figures again, which never saw what was charged while it was away.
    const back = await startUpstashLocal({ port, token: store.token });
    try {
      await sleep(1_100);
      const keyed = await b.gql(INFO, {}, { 'x-api-key': KEY });
      expect(keyed.body.data!.rateLimit.budgets[0]).toEqual({ name: 'minute', remaining: 70 });
      expect(await degradedGauge(b)).toBe('0');
      expect(b.logs.some((l) => l.event === 'ratelimit.degraded.ended')).toBe(true);
    } finally {
      await back.close();
    }
  });
});
