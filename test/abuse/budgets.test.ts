import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

// A flood from one client against small budgets (every request here comes from 127.0.0.1: one anonymous
// client). The budget must hold, refusals must be fast and coded, and the client must still be able to ask
// what it has left.

const BUDGET = 200; // points a minute: 3.33 restored a second
const INFO_PER_MINUTE = 5;
const TEN = `{ areas(first: 9) { nodes { code } } }`; // 1 + 9 = 10 points, and it costs that
const INFO = `{ rateLimit { budgets { name remaining resetSeconds restoreRate } } }`;
const codeOf = (body: any) => body?.errors?.[0]?.extensions?.code;

describe('a flood that spends the budget', () => {
  let server: ProductionServer;
  beforeAll(async () => {
    server = await startProductionServer({
      RATE_LIMIT_POINTS_PER_MINUTE: String(BUDGET),
      RATE_LIMIT_INFO_PER_MINUTE: String(INFO_PER_MINUTE),
    });
  });
  afterAll(() => server?.stop());

  it('is refused fast with RATE_LIMITED, admits no more than the budget, and rateLimit still answers', async () => {
    const started = performance.now();
    // One answer first, so the flood meets a warm engine and cache: what is timed is the limiter.
    const warm = await server.gql(TEN);
    expect(warm.status).toBe(200);
    const answers: { status: number; ms: number; body: any; headers: Headers }[] = [{ ...warm, ms: 0 }];
    for (let wave = 0; wave < 10; wave += 1) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, async () => {
            const t = performance.now();
            const answer = await server.gql(TEN);
            return { ...answer, ms: performance.now() - t };
          }),
        )),
      );
    }
    const seconds = (performance.now() - started) / 1000;

    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    const charged = admitted.reduce((sum, a) => sum + a.body.extensions.cost.actualQueryCost, 0);
    // The budget, plus what was restored while the flood ran (a whole step more, at most).
    expect(charged).toBeLessThanOrEqual(BUDGET + Math.ceil((seconds + 1) * (BUDGET / 60)));
    expect(admitted.length).toBeGreaterThanOrEqual(BUDGET / 10);
    expect(refused.length).toBeGreaterThan(100);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(codeOf(answer.body)).toBe('RATE_LIMITED');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.headers.get('x-ratelimit-limit')).toBe(String(BUDGET));
    }
    for (const answer of answers.slice(1)) expect(answer.ms).toBeLessThan(2_000);

    // Throttled, the client can still ask what it has and when it comes back, for free, up to its cap.
    for (let i = 0; i < INFO_PER_MINUTE; i += 1) {
      const t = performance.now();
      const info = await server.gql(INFO);
      expect(performance.now() - t).toBeLessThan(2_000);
      expect(info.status).toBe(200);
      const minute = info.body.data.rateLimit.budgets.find((b: { name: string }) => b.name === 'minute');
      expect(minute.remaining).toBeLessThan(10);
      expect(minute.restoreRate).toBeCloseTo(BUDGET / 60, 2);
    }
    const capped = await server.gql(INFO);
    expect(capped.status).toBe(429);
    expect(codeOf(capped.body)).toBe('RATE_LIMITED');
    expect(capped.body.errors[0].extensions.budget).toBe('info');

    // The server still serves. `{ __typename }` costs a point, which this client may not have at this very
    // moment: then a fast, coded 429 whose Retry-After is about one restore step; after it, an answer.
    let probe = await stillServes(server);
    expect(probe.ms).toBeLessThan(1_000);
    if (!probe.ok) {
      const refusedProbe = await server.gql('{ __typename }');
      expect(refusedProbe.status).toBe(429);
      expect(codeOf(refusedProbe.body)).toBe('RATE_LIMITED');
      const retryAfter = Number(refusedProbe.headers.get('retry-after'));
      expect(retryAfter).toBeLessThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 50));
      probe = await stillServes(server);
    }
    expect(probe.ok).toBe(true);
    expect(probe.ms).toBeLessThan(1_000);
  });
});
