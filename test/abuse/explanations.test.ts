import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flood } from '../helpers/flood.ts';
import { ORIGIN, type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

// Explanation jobs are the spend (a language model call each): an id built by hand must never start one.

const READ = `query ($id: ID!) { explanation(id: $id) { id status } }`;
const SUBSCRIBE = `subscription ($id: ID!) { explanationUpdated(id: $id) { id status } }`;
const BUDGETS = `{ rateLimit { budgets { name remaining limit } } }`;

describe('hand-built explanation ids against the production server', () => {
  let server: ProductionServer;
  let crafted: string[];

  beforeAll(async () => {
    server = await startProductionServer();
    // As an attacker does it: the data version from /ready, the id format from the engine's documentation.
    let dataVersion: string | undefined;
    for (let i = 0; i < 100 && !dataVersion; i += 1) {
      const ready = (await (await fetch(`${server.url}/ready`)).json()) as { checks: { engine: { dataVersion: string | null } } };
      dataVersion = ready.checks.engine.dataVersion ?? undefined;
      if (!dataVersion) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(dataVersion).toMatch(/^[0-9a-f]{12}$/);
    const personas = ['student', 'parent', 'developer'];
    crafted = Array.from({ length: 60 }, (_, i) => {
      const question = { a: `E09${String((i % 33) + 1).padStart(6, '0')}`, c: {}, d: dataVersion, p: personas[i % 3] };
      return `ex1_${Buffer.from(JSON.stringify(question)).toString('base64url')}`;
    });
  });
  afterAll(() => server?.stop());

  /** How many of `ids` the embedded engine holds a job for, asked of the engine itself with a read that starts nothing. */
  async function jobsHeld(ids: string[]): Promise<number> {
    const engineUrl = server.logs.findLast((l) => l.event === 'engine.local.started')?.url as string;
    const response = await fetch(`${engineUrl}/explanations/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids, rebuild: false }),
    });
    return ((await response.json()) as { jobs: unknown[] }).jobs.filter((job) => job !== null).length;
  }

  async function explanationsBudget() {
    const { body } = await server.gql(BUDGETS);
    const { remaining, limit } = body.data.rateLimit.budgets.find((b: { name: string }) => b.name === 'explanations');
    return { remaining, limit };
  }

  it('30 crafted ids over explanation(id:) start no job and charge nothing', async () => {
    const ids = crafted.slice(0, 30);
    expect(await explanationsBudget()).toEqual({ remaining: 10, limit: 10 });
    for (const id of ids) {
      const started = performance.now();
      const { status, body } = await server.gql(READ, { id });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(status).toBe(200);
      expect(body).toMatchObject({ data: { explanation: null } });
      expect(body.errors).toBeUndefined();
    }
    expect(await jobsHeld(ids)).toBe(0);
    expect(await explanationsBudget()).toEqual({ remaining: 10, limit: 10 });
    const served = await stillServes(server);
    expect(served.ok).toBe(true);
    expect(served.ms).toBeLessThan(1_000);
  });

  it('30 crafted ids over the explanationUpdated SSE subscription start no job and charge nothing', async () => {
    const ids = crafted.slice(30, 60);
    const streams: { ms: number; status: number; text: string }[] = [];
    // 15 at a time: one address may hold 16 subscriptions open.
    await flood(ids.length, 15, async (i) => {
      const started = performance.now();
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', origin: ORIGIN },
        body: JSON.stringify({ query: SUBSCRIBE, variables: { id: ids[i] } }),
      });
      const text = await response.text();
      streams.push({ ms: performance.now() - started, status: response.status, text });
    });
    for (const { ms, status, text } of streams) {
      expect(ms).toBeLessThan(2_000);
      expect(status).toBe(200);
      expect(text).toContain('data: {"data":{"explanationUpdated":null}}');
      expect(text).toContain('event: complete');
    }
    expect(await jobsHeld(ids)).toBe(0);
    expect(await explanationsBudget()).toEqual({ remaining: 10, limit: 10 });
    const served = await stillServes(server);
    expect(served.ok).toBe(true);
    expect(served.ms).toBeLessThan(1_000);
  });

  it('a job asked for the charged way is shown with a signed key, which reads it', async () => {
    const { body } = await server.gql(`mutation { requestExplanation(areaCode: "E09000007", persona: STUDENT) { id key status } }`);
    const { id, key }: { id: string; key: string } = body.data.requestExplanation;
    expect(key).toMatch(/^ex1_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(await explanationsBudget()).toEqual({ remaining: 9, limit: 10 });
    expect(await jobsHeld([key.slice(0, key.lastIndexOf('.'))])).toBe(1);
    const read = await server.gql(READ, { id: key });
    expect(read.body.data.explanation.id).toBe(id);
  });
});
