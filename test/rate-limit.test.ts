import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashLocal, type UpstashLocal } from '../scripts/upstash-local.ts';
import { requireRedis } from './helpers/redis.ts';
import { serversPerTest } from './helpers/server.ts';

const redisUp = await requireRedis();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const AREA = `{ area(code: "E09000007") { name housing { medianRentAll } safety { rank } } }`; // costs 3
const DASHBOARD = `{ areas(first: 33) { nodes { code housing { medianRentAll } safety { rank } } } }`; // 1 + 33 × 3 = 100

const server = serversPerTest();

describe('cost and rate limits (in-process store)', () => {
  it('reports the cost of every answer and the rate-limit headers', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '500', RATE_LIMIT_POINTS_PER_DAY: '10000' });
    const { status, headers, body } = await s.gql(AREA);
    expect(status).toBe(200);
    expect(body.extensions!.cost).toEqual({
      requestedQueryCost: 3,
      actualQueryCost: 3,
      throttleStatus: { maximumAvailable: 500, currentlyAvailable: 497, restoreRate: 8.33 },
    });
    expect(headers.get('ratelimit-policy')).toBe('"minute";q=500;w=60, "day";q=10000;w=86400');
    expect(headers.get('ratelimit')).toMatch(/^"minute";r=497;t=\d+, "day";r=9997;t=\d+$/);
    expect(headers.get('x-ratelimit-limit')).toBe('500');
    expect(headers.get('x-ratelimit-remaining')).toBe('497');
    expect(Number(headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(60);
  });

  it('refuses a query over MAX_QUERY_COST before it runs, charging one point as any refusal', async () => {
    const s = await server({ MAX_QUERY_COST: '99', RATE_LIMIT_POINTS_PER_MINUTE: '500' });
    let answer: any;
    const calls = await s.countEngineCalls(async () => (answer = await s.gql(DASHBOARD)));
    expect(calls).toEqual({});
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions).toMatchObject({
      code: 'COST_ESTIMATED_TOO_EXPENSIVE',
      cost: { requestedQueryCost: 100, maximumAvailable: 99 },
    });
    expect(answer.body.errors[0].extensions.http).toBeUndefined();
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('499');
    // Its log line says what it would have cost; it never ran.
    const line = s.logs.filter((l) => l.event === 'request').at(-1)!;
    expect(line).toMatchObject({ errorCodes: ['COST_ESTIMATED_TOO_EXPENSIVE'], cost: { requested: 100, actual: null } });
    const { body } = await s.gql(`{ rateLimit { budgets { name remaining } } }`);
    // One point for the refused query, and nothing for this one: an operation of rateLimit alone is free.
    expect(body.data!.rateLimit.budgets[0]).toEqual({ name: 'minute', remaining: 499 });
  });

  it('answers 429 with Retry-After once the minute budget cannot afford a query, charging nothing, and serves again once it can', async () => {
    // 250 points restored per 10 s: 25 a second, too little for a second DASHBOARD to fit meanwhile.
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '250', RATE_LIMIT_WINDOW_MS: '10000' });
    expect((await s.gql(DASHBOARD)).status).toBe(200); // 100
    expect((await s.gql(DASHBOARD)).status).toBe(200); // 200
    let refused: any;
    const calls = await s.countEngineCalls(async () => (refused = await s.gql(DASHBOARD)));
    expect(refused.status).toBe(429);
    expect(calls).toEqual({});
    expect(refused.body.data).toBeUndefined();
    expect(s.logs.filter((l) => l.event === 'request').at(-1)!.cost).toEqual({ requested: 100, actual: null });
    const error = refused.body.errors[0];
    expect(error.extensions.code).toBe('RATE_LIMITED');
    expect(error.extensions.budget).toBe('minute');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The refused query was not charged: what the two before it left (plus what refilled meanwhile).
    expect(Number(refused.headers.get('x-ratelimit-remaining'))).toBeGreaterThanOrEqual(50);
    expect(Number(refused.headers.get('x-ratelimit-remaining'))).toBeLessThan(100);

    await sleep(Number(refused.headers.get('retry-after')) * 1000 + 100);
    const again = await s.gql(DASHBOARD);
    expect(again.status).toBe(200);
    expect(again.body.data!.areas.nodes).toHaveLength(33);
  });

  it('charges even a request that does not parse at least one point', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '500' });
    const bad = await s.gql(`{ area(code: "E09000007") { name `);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-ratelimit-remaining')).toBe('499');
  });

  it('charges nothing for a request refused for its origin or a missing CSRF header', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '500', CORS_ORIGINS: 'https://app.example.com' });
    for (let i = 0; i < 5; i += 1) {
      const foreign = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://evil.example.com' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(foreign.status).toBe(403);
      const form = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"query":"{ __typename }"}',
      });
      expect(form.status).toBe(403);
    }
    const { body } = await s.gql(`{ rateLimit { budgets { name remaining } } }`);
    expect(body.data!.rateLimit.budgets.find((b: { name: string }) => b.name === 'minute').remaining).toBe(500);
  });

  it('gives API-key tiers their own, larger budgets and refuses an unknown key', async () => {
    const s = await server({
      RATE_LIMIT_POINTS_PER_MINUTE: '150',
      RATE_LIMIT_TIERS: 'standard:1000:100000:30',
      API_KEYS: 'dashboard-team:k_test_0123456789:standard',
    });
    const keyed = await s.gql(DASHBOARD, {}, { 'x-api-key': 'k_test_0123456789' });
    expect(keyed.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(keyed.body.extensions!.cost.throttleStatus.currentlyAvailable).toBe(900);
    const anonymous = await s.gql(DASHBOARD);
    expect(anonymous.headers.get('x-ratelimit-limit')).toBe('150');
    expect((await s.gql(DASHBOARD)).status).toBe(429); // 200 > 150
    expect((await s.gql(DASHBOARD, {}, { 'x-api-key': 'k_test_0123456789' })).status).toBe(200);

    const unknown = await s.gql(AREA, {}, { 'x-api-key': 'k_wrong' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    // A wrong key costs the sender's address a point: guessing keys spends its own budget.
    const anonymousLeft = Number(anonymous.headers.get('x-ratelimit-remaining'));
    expect(unknown.headers.get('x-ratelimit-remaining')).toBe(String(anonymousLeft - 1));
    const { body } = await s.gql(`{ rateLimit { client tier } }`, {}, { 'x-api-key': 'k_test_0123456789' });
    expect(body.data!.rateLimit).toEqual({ client: 'key:dashboard-team', tier: 'standard' });
  });

  it('trusts X-Forwarded-For only behind a trusted proxy, counting its hops from the right', async () => {
    const direct = await server({});
    const spoofed = await direct.gql(`{ rateLimit { client } }`, {}, { 'x-forwarded-for': '203.0.113.9' });
    expect(spoofed.body.data!.rateLimit.client).toBe('ip:127.0.0.1');
    const proxied = await server({ TRUST_PROXY: '1' });
    // The client wrote the first entry; the one proxy appended the address it saw.
    const forwarded = await proxied.gql(`{ rateLimit { client } }`, {}, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' });
    expect(forwarded.body.data!.rateLimit.client).toBe('ip:203.0.113.9');
  });

  it('prices a document without running it', async () => {
    const s = await server({ MAX_QUERY_COST: '150' });
    let answer: any;
    const calls = await s.countEngineCalls(async () => {
      answer = await s.gql(
        `query ($q: String, $v: String) { rateLimit(query: $q, variables: $v) { maxQueryCost query { requestedQueryCost withinMaximum affordableNow errors } } }`,
        {
          q: `query ($n: Int) { areas(first: $n) { nodes { code housing { averagePrice } } } }`,
          v: JSON.stringify({ n: 100 }),
        },
      );
    });
    expect(calls).toEqual({});
    expect(answer.body.data.rateLimit).toEqual({
      maxQueryCost: 150,
      query: { requestedQueryCost: 1 + 100 * 2, withinMaximum: false, affordableNow: false, errors: [] },
    });
    const invalid = await s.gql(`{ rateLimit(query: "{ areas { nope } }") { query { requestedQueryCost errors } } }`);
    expect(invalid.body.data!.rateLimit.query.requestedQueryCost).toBeNull();
    expect(invalid.body.data!.rateLimit.query.errors[0]).toContain('nope');
  });

  it('exports decisions and costs as metrics', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '120' });
    await s.gql(DASHBOARD);
    await s.gql(DASHBOARD);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/veo_ratelimit_decisions_total\{result="allowed"\} 1/);
    expect(text).toMatch(/veo_ratelimit_decisions_total\{result="limited"\} 1/);
    // One decision a request: a refusal's one-point charge is its refusal, not also an `allowed`.
    const refused = await server({ MAX_QUERY_COST: '99', API_KEYS: 'team:k_rate_limit_metrics_0123:standard' });
    await refused.gql(DASHBOARD);
    await refused.gql('{ __typename }', undefined, { 'x-api-key': 'k_not_a_key_000000000000' });
    const decisions = Object.fromEntries(
      [...(await (await fetch(`${refused.url}/metrics`)).text()).matchAll(/^veo_ratelimit_decisions_total\{result="(\w+)"\} (\d+)/gm)].map(
        (m) => [m[1], Number(m[2])],
      ),
    );
    expect(decisions).toEqual({ too_expensive: 1, unauthenticated: 1 });
    expect(text).toMatch(/veo_query_cost_sum\{kind="requested"\} 200/);
  });
});

describe.skipIf(!redisUp)('rate limits shared through Redis', () => {
  let upstash: UpstashLocal;
  beforeAll(async () => {
    upstash = await startUpstashLocal();
  });
  afterAll(() => upstash.close());

  it('a client that spends its budget on one instance is refused on both, and served again once it refills', async () => {
    const env = {
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      CACHE_PREFIX: `t${randomUUID().slice(0, 8)}`,
      RATE_LIMIT_POINTS_PER_MINUTE: '250',
      RATE_LIMIT_WINDOW_MS: '10000',
    };
    const a = await server(env);
    const b = await server(env);
    expect((await a.gql(DASHBOARD)).status).toBe(200);
    expect((await b.gql(DASHBOARD)).status).toBe(200);
    const refusedA = await a.gql(DASHBOARD);
    const refusedB = await b.gql(DASHBOARD);
    for (const refused of [refusedA, refusedB]) {
      expect(refused.status).toBe(429);
      expect(refused.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    await sleep(Number(refusedB.headers.get('retry-after')) * 1000 + 100);
    const served = await b.gql(DASHBOARD);
    expect(served.status).toBe(200);
    // The bucket is shared: what b just spent is gone on a too, until it refills.
    const onA = await a.gql(AREA);
    expect(onA.status).toBe(429);
    expect(Number(onA.headers.get('x-ratelimit-remaining'))).toBeLessThan(Number(refusedB.headers.get('x-ratelimit-remaining')));
  });

  it('falls back to degraded in-process limits while the store is away and goes back when it returns', async () => {
    const own = await startUpstashLocal();
    const port = Number(new URL(own.url).port);
    const s = await server({
      UPSTASH_REDIS_REST_URL: own.url,
      UPSTASH_REDIS_REST_TOKEN: own.token,
      CACHE_PREFIX: `t${randomUUID().slice(0, 8)}`,
      // 1000 points an hour: under one point restored while the test runs.
      RATE_LIMIT_POINTS_PER_MINUTE: '1000',
      RATE_LIMIT_WINDOW_MS: '3600000',
      RATE_LIMIT_TIMEOUT_MS: '200',
      RATE_LIMIT_RETRY_MS: '300',
    });
    expect((await s.gql(AREA)).headers.get('x-ratelimit-remaining')).toBe('997');
    await own.close();
    const away = await s.gql(AREA);
    expect(away.status).toBe(200);
    // The in-process limits start from what this instance last saw, not from a fresh budget.
    expect(away.headers.get('x-ratelimit-remaining')).toBe('994');
    expect(s.logs.some((l) => l.event === 'ratelimit.store.failed')).toBe(true);
    expect(s.logs.some((l) => l.event === 'ratelimit.degraded')).toBe(true);

    const back = await startUpstashLocal({ port, token: own.token });
    try {
      await sleep(400);
      // Redis's own count again: it never saw the point charged while it was away.
      expect((await s.gql(AREA)).headers.get('x-ratelimit-remaining')).toBe('994');
      expect(s.logs.some((l) => l.event === 'ratelimit.degraded.ended')).toBe(true);
    } finally {
      await back.close();
    }
  });
});
