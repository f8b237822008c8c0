import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OPERATION_NAMES } from '../../src/http/metrics-labels.ts';
import { flood } from '../helpers/flood.ts';
import { METRICS_TOKEN, type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

describe('client-chosen metric labels', () => {
  let server: ProductionServer;
  beforeAll(async () => {
    // Budgets out of the way: the operations must run for their names to reach the metrics.
    server = await startProductionServer({ RATE_LIMIT_POINTS_PER_MINUTE: '100000000', RATE_LIMIT_POINTS_PER_DAY: '1000000000' });
  });
  afterAll(() => server?.stop());

  it('5,000 unknown paths and 2,000 operation names leave a small scrape and a serving server', async () => {
    const paths = await flood(5_000, 20, async (i) => {
      const answer = await fetch(`${server.url}/${i.toString(36)}-${Math.random().toString(36).slice(2)}`);
      await answer.arrayBuffer();
      expect(answer.status).toBe(404);
    });
    const names = await flood(2_000, 20, async (i) => {
      const answer = await server.gql(`query Attack${i}_${'x'.repeat(40)} { __typename }`);
      expect(answer.body.data).toEqual({ __typename: 'Query' });
    });
    expect(paths).toBeLessThan(2_000);
    expect(names).toBeLessThan(2_000);

    const text = await server.metrics();
    // Bounded whatever the traffic: known routes or `other`, and at most 32 operation names (about 95 KB here,
    // 190 KB at worst; 11.7 MB after 5,000 names before the bound, and 20,000 paths crashed the first scrape).
    // Far past the bounds is enough: each name or path past them adds nothing, so more would only take longer.
    expect(text.length).toBeLessThan(200_000);
    expect(text).toMatch(/route="other",status="404"\} 5000$/m);
    expect(text).toMatch(new RegExp(`operation_name="other"\\} ${2_000 - MAX_OPERATION_NAMES}$`, 'm'));
    expect(text).not.toContain('Attack1999');
    expect(server.rssMb()).toBeLessThan(250);

    const started = performance.now();
    const refused = await fetch(`${server.url}/metrics`);
    expect(refused.status).toBe(401);
    expect((await refused.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(performance.now() - started).toBeLessThan(2_000);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);

    const { ok, ms } = await stillServes(server);
    expect(ok).toBe(true);
    expect(ms).toBeLessThan(1_000);
  }, 180_000);
});
