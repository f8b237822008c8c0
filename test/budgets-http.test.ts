import { describe, expect, it } from 'vitest';
import { multipartParts } from './helpers/multipart.ts';
import { type GraphQLResponse, serversPerTest } from './helpers/server.ts';

// Budgets over HTTP, in-process store. Windows of an hour: under one point is restored while a test runs,
// so the figures below are exact.
const HOUR = '3600000';
const DASHBOARD = `{ areas(first: 33) { nodes { code housing { medianRentAll } safety { rank } } } }`; // 1 + 33 × 3 = 100
// Estimated at 1 + 100 × 2 = 201; there are 33 areas, so it costs 1 + 33 × 2 = 67.
const OVERSIZED = `{ areas(first: 100) { nodes { code housing { medianRentAll } } } }`;
const INFO = `{ rateLimit { budgets { name remaining limit resetSeconds restoreRate } } }`;

const server = serversPerTest();

/** The minute and day figures of the IETF RateLimit header. */
function ietf(response: GraphQLResponse): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of (response.headers.get('ratelimit') ?? '').matchAll(/"(\w+)";r=(\d+);t=\d+/g)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('refunds', () => {
  it("gives back what a cheaper-than-estimated answer did not use, in the same answer's figures", async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '1000', RATE_LIMIT_WINDOW_MS: HOUR, RATE_LIMIT_POINTS_PER_DAY: '5000' });
    const answer = await s.gql(OVERSIZED);
    expect(answer.status).toBe(200);
    const { requestedQueryCost, actualQueryCost, throttleStatus } = answer.body.extensions!.cost;
    expect(requestedQueryCost).toBe(201);
    expect(actualQueryCost).toBe(67);
    expect(throttleStatus.currentlyAvailable).toBe(1000 - 67);
    expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(1000 - 67));
    expect(ietf(answer)).toEqual({ minute: 1000 - 67, day: 5000 - 67 });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^veo_ratelimit_refunded_points_total 134$/m);
  });

  it('@defer: refunds only what the first payload shows unused; the deferred parts stay charged', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '1000', RATE_LIMIT_WINDOW_MS: HOUR });
    const response = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: `{ areas(first: 100) { nodes { code ... @defer { housing { medianRentAll } } } } }` }),
    });
    const parts = await multipartParts(response, 0);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]!.part.extensions.cost.requestedQueryCost).toBe(201);
    // The first payload can account for `areas` and `nodes { code }`: estimated 1 + 100, it holds 1 + 33,
    // so 67 come back. The deferred housing (estimated 100, 33 used) stays charged: 201 - 67 = 134.
    const { body } = await s.gql(INFO);
    const minute = body.data!.rateLimit.budgets.find((b: { name: string }) => b.name === 'minute');
    expect(minute.remaining).toBe(1000 - 134);
  });

  it('@stream: the streamed items stay charged, even when the first payload holds none of them', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '1000', RATE_LIMIT_WINDOW_MS: HOUR });
    const response = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: `{ stations(first: 70) @stream(initialCount: 0) { id lines { id } } }` }),
    });
    const parts = await multipartParts(response, 0);
    const requested = parts[0]!.part.extensions.cost.requestedQueryCost;
    expect(requested).toBeGreaterThan(70);
    const { body } = await s.gql(INFO);
    const minute = body.data!.rateLimit.budgets.find((b: { name: string }) => b.name === 'minute');
    expect(minute.remaining).toBe(1000 - requested);
  });

  it('a partial answer is charged what it holds: the failed field counts its weight once', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '1000', RATE_LIMIT_WINDOW_MS: HOUR });
    // `stations` refuses its argument and is null; `areas` is served beside it.
    const answer = await s.gql(`{ areas(first: 10) { nodes { code } } stations(first: -1) { id } }`);
    expect(answer.body.data!.areas.nodes).toHaveLength(10);
    expect(answer.body.data!.stations).toBeNull();
    const { requestedQueryCost, actualQueryCost } = answer.body.extensions!.cost;
    // Estimated: areas 1 + 10 nodes, and stations at the default list size of 10 (a `first` of -1 is no size) = 21.
    // Held: areas 1 + 10 nodes, and the null `stations` its weight of 1 = 12.
    expect(requestedQueryCost).toBe(21);
    expect(actualQueryCost).toBe(12);
    expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(1000 - 12));
  });
});

describe('charging', () => {
  it('a query refused by the day budget charges the minute budget nothing', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '1000', RATE_LIMIT_WINDOW_MS: HOUR, RATE_LIMIT_POINTS_PER_DAY: '150' });
    expect((await s.gql(DASHBOARD)).status).toBe(200);
    const refused = await s.gql(DASHBOARD);
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', budget: 'day' });
    expect(ietf(refused)).toEqual({ minute: 900, day: 50 });
    const refusedAgain = await s.gql(DASHBOARD);
    expect(ietf(refusedAgain)).toEqual({ minute: 900, day: 50 });
  });

  it('a query that costs more than the whole budget is refused as too expensive, not told to retry', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '50', RATE_LIMIT_WINDOW_MS: HOUR });
    const refused = await s.gql(DASHBOARD);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(refused.body.errors![0]!.extensions).toMatchObject({
      code: 'COST_ESTIMATED_TOO_EXPENSIVE',
      cost: { requestedQueryCost: 100, maximumAvailable: 50 },
    });
    expect(refused.body.errors![0]!.message).toContain('your budget holds at most 50');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('49'); // one point, as any refusal
    // rateLimit(query:) says the same before it is sent.
    const priced = await s.gql(`query ($q: String!) { rateLimit(query: $q) { maxQueryCost query { requestedQueryCost withinMaximum } } }`, {
      q: DASHBOARD,
    });
    expect(priced.body.data!.rateLimit).toEqual({ maxQueryCost: 50, query: { requestedQueryCost: 100, withinMaximum: false } });
  });

  it('the headers and throttleStatus describe the minute budget on every answer, even when the day budget is tighter', async () => {
    const s = await server({
      RATE_LIMIT_POINTS_PER_MINUTE: '1000',
      RATE_LIMIT_WINDOW_MS: HOUR,
      RATE_LIMIT_POINTS_PER_DAY: '350',
      MAX_QUERY_COST: '150',
    });
    const answers = [
      await s.gql(DASHBOARD), // 200: minute 900 of 1000, day 250 of 350 (the tighter share)
      await s.gql(`{ area(code: "E09000007") { name `), // 400, does not parse: 1 point
      await s.gql(OVERSIZED), // 400, over MAX_QUERY_COST: 1 point
      await s.gql(DASHBOARD), // 200
      await s.gql(DASHBOARD), // 200
      await s.gql(DASHBOARD), // 429: the day budget has 48
      await s.gql(INFO), // free
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 400, 400, 200, 200, 429, 200]);
    for (const answer of answers) {
      expect(answer.headers.get('ratelimit-policy')).toBe('"minute";q=1000;w=3600, "day";q=350;w=86400');
      expect(answer.headers.get('x-ratelimit-limit')).toBe('1000');
      expect(answer.headers.get('x-ratelimit-remaining')).toBe(String(ietf(answer).minute));
      const throttle = answer.body.extensions?.cost?.throttleStatus ?? answer.body.errors?.[0]?.extensions?.cost?.throttleStatus;
      if (throttle) expect(throttle).toEqual({ maximumAvailable: 1000, currentlyAvailable: ietf(answer).minute, restoreRate: 0.28 });
    }
    expect(answers.map((a) => ietf(a).minute)).toEqual([900, 899, 898, 798, 698, 698, 698]);
  });
});

describe('rateLimit while throttled', () => {
  it('answers free while the budgets are spent, up to RATE_LIMIT_INFO_PER_MINUTE calls, then RATE_LIMITED', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '100', RATE_LIMIT_WINDOW_MS: HOUR, RATE_LIMIT_INFO_PER_MINUTE: '3' });
    expect((await s.gql(DASHBOARD)).status).toBe(200);
    const typename = await s.gql(`{ __typename }`);
    expect(typename.status).toBe(429); // not free: it asks nothing of rateLimit
    const mixed = await s.gql(`{ rateLimit { client } personas { id } }`);
    expect(mixed.status).toBe(429);

    const infos = [
      await s.gql(INFO),
      await s.gql(`query Budgets { ...B } fragment B on Query { __typename rateLimit { budgets { name remaining } } }`),
      await s.gql(`{ rateLimit(query: "{ personas { id } }") { query { requestedQueryCost affordableNow } } }`),
    ];
    for (const info of infos) {
      expect(info.status).toBe(200);
      expect(info.body.extensions!.cost).toMatchObject({
        requestedQueryCost: 0,
        actualQueryCost: 0,
        throttleStatus: { currentlyAvailable: 0 },
      });
    }
    expect(infos[0]!.body.data!.rateLimit.budgets[0]).toMatchObject({ name: 'minute', remaining: 0, limit: 100, restoreRate: 0.028 });
    expect(infos[0]!.body.data!.rateLimit.budgets[0].resetSeconds).toBeGreaterThan(3500);
    expect(infos[2]!.body.data!.rateLimit.query).toEqual({ requestedQueryCost: 3, affordableNow: false }); // 3 personas assumed

    const capped = await s.gql(INFO);
    expect(capped.status).toBe(429);
    expect(capped.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', budget: 'info' });
    expect(Number(capped.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(capped.headers.get('x-ratelimit-remaining')).toBe('0');
  });
});
