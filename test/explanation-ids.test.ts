import { afterEach, describe, expect, it } from 'vitest';
import { ExplanationIds } from '../src/explanations/ids.ts';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const REQUEST = `mutation ($code: ID!) { requestExplanation(areaCode: $code, persona: PARENT) { key status } }`;
const READ = `query ($id: ID!) { explanation(id: $id) { key status area { code } } }`;
const BUDGETS = `{ rateLimit { budgets { name remaining limit } } }`;
const SECRET_A = 'explanation-ids-test-secret-a';
const SECRET_B = 'explanation-ids-test-secret-b';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Engines and servers of this suite's own, so that what a fresh engine holds is known. */
const engines: LocalEngineProcess[] = [];
const servers: TestServer[] = [];
async function engine() {
  const e = new LocalEngineProcess({ python: 'python3' });
  engines.push(e);
  return e;
}
async function server(e: LocalEngineProcess, env: Record<string, string> = {}) {
  const s = await startServer({ LOCAL_ENGINE_URL: await e.url(), EXPLANATION_POLL_MS: '50', EXPLANATIONS_PER_HOUR: '10', ...env });
  servers.push(s);
  return s;
}
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  while (engines.length) await engines.pop()!.stop();
});

/** An id built by hand as an attacker would: the documented format, with the data version from /ready. */
async function craftedIds(s: TestServer, count: number): Promise<string[]> {
  const ready = (await (await fetch(`${s.url}/ready`)).json()) as { checks: { engine: { dataVersion: string } } };
  const d = ready.checks.engine.dataVersion;
  expect(d).toMatch(/^[0-9a-f]{12}$/);
  const personas = ['student', 'parent', 'developer'];
  return Array.from({ length: count }, (_, i) => {
    // Keys in sorted order, no spaces: the engine's canonical spelling, so the engine can decode each one.
    const question = { a: `E09${String((i % 33) + 1).padStart(6, '0')}`, c: { budget: 1000 + i }, d, p: personas[i % 3] };
    return `ex1_${Buffer.from(JSON.stringify(question)).toString('base64url')}`;
  });
}

/** How many of `ids` the engine holds a job for, asked of the engine itself (a read that starts nothing). */
async function jobsHeld(e: LocalEngineProcess, ids: string[]): Promise<number> {
  const response = await fetch(`${await e.url()}/explanations/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ids, rebuild: false }),
  });
  const { jobs } = (await response.json()) as { jobs: unknown[] };
  return jobs.filter((job) => job !== null).length;
}

async function explanationsLeft(s: TestServer): Promise<{ remaining: number; limit: number }> {
  const { body } = await s.gql(BUDGETS);
  const { remaining, limit } = body.data!.rateLimit.budgets.find((b: { name: string }) => b.name === 'explanations');
  return { remaining, limit };
}

/** The events of one `explanationUpdated` subscription over SSE, read until the server completes it. */
async function subscribe(s: TestServer, id: string) {
  const response = await fetch(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: `subscription ($id: ID!) { explanationUpdated(id: $id) { id status } }`, variables: { id } }),
  });
  const text = await response.text();
  const events = text
    .split('\n')
    .filter((line) => line.startsWith('data:') && line.length > 6)
    .map((line) => JSON.parse(line.slice(5)));
  return { text, events };
}

async function untilDone(s: TestServer, id: string) {
  for (let i = 0; i < 100; i += 1) {
    const job = (await s.gql(READ, { id })).body.data!.explanation;
    if (job?.status !== 'PENDING') return job;
    await sleep(50);
  }
  throw new Error(`${id} still PENDING`);
}

describe('explanation id signatures', () => {
  const ids = new ExplanationIds({ current: SECRET_A });
  const engineId = 'ex1_eyJhIjoiRTA5MDAwMDA3In0';

  it('signs with the current secret and verifies it', () => {
    const signed = ids.sign(engineId);
    expect(signed).toMatch(/^ex1_eyJhIjoiRTA5MDAwMDA3In0\.[A-Za-z0-9_-]{22}$/);
    expect(ids.read(signed)).toEqual({ engineId, signed: true });
    expect(ids.sign(engineId)).toBe(signed); // deterministic: the same job, the same id
    expect(ids.read(engineId)).toEqual({ engineId, signed: false });
  });

  it('accepts the previous secret during a rotation, and nothing else', () => {
    const oldId = ids.sign(engineId);
    const rotated = new ExplanationIds({ current: SECRET_B, previous: SECRET_A });
    expect(rotated.read(oldId)).toEqual({ engineId, signed: true });
    expect(rotated.sign(engineId)).not.toBe(oldId);
    expect(new ExplanationIds({ current: SECRET_B }).read(oldId)).toEqual({ engineId, signed: false });
  });

  it('refuses a tampered mac, a mac moved to another id, and macs of the wrong length', () => {
    const signed = ids.sign(engineId);
    const mac = signed.slice(signed.indexOf('.') + 1);
    const flipped = `${engineId}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(ids.read(flipped)).toEqual({ engineId, signed: false });
    expect(ids.read(`${engineId}x.${mac}`)).toEqual({ engineId: `${engineId}x`, signed: false });
    expect(ids.read(`${engineId}.${mac}A`).signed).toBe(false);
    expect(ids.read(`${engineId}.${mac.slice(1)}`).signed).toBe(false);
    expect(ids.read(`${engineId}.`).signed).toBe(false);
  });
});

describe('ids this server did not issue', () => {
  it('30 crafted ids over explanation(id:) read nothing, start no job and leave the budget untouched', async () => {
    const e = await engine();
    const s = await server(e);
    const crafted = await craftedIds(s, 30);
    expect(await explanationsLeft(s)).toEqual({ remaining: 10, limit: 10 });

    const answers = await Promise.all(crafted.map((id) => s.gql(READ, { id })));
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({ explanation: null });
    }
    expect(await jobsHeld(e, crafted)).toBe(0);
    expect(await explanationsLeft(s)).toEqual({ remaining: 10, limit: 10 });

    // The same questions asked the charged way start jobs and spend the budget: the counts above can move.
    await s.gql(REQUEST, { code: 'E09000001' });
    expect(await explanationsLeft(s)).toEqual({ remaining: 9, limit: 10 });
  });

  it('30 crafted ids over the explanationUpdated SSE subscription start no job and leave the budget untouched', async () => {
    const e = await engine();
    const s = await server(e);
    const crafted = await craftedIds(s, 30);
    const streams = await Promise.all(crafted.map((id) => subscribe(s, id)));
    for (const { text, events } of streams) {
      expect(events.filter((event) => event.data)).toEqual([{ data: { explanationUpdated: null } }]);
      expect(text).toContain('event: complete');
    }
    expect(await jobsHeld(e, crafted)).toBe(0);
    expect(await explanationsLeft(s)).toEqual({ remaining: 10, limit: 10 });
  });

  it('an unsigned id reads a job that exists, shown with its signed id', async () => {
    const e = await engine();
    const s = await server(e);
    const { body } = await s.gql(REQUEST, { code: 'E09000012' });
    const signed: string = body.data!.requestExplanation.key;
    const engineId = signed.slice(0, signed.lastIndexOf('.'));
    const read = (await s.gql(READ, { id: engineId })).body.data!.explanation;
    expect(read).toMatchObject({ key: signed, area: { code: 'E09000012' } });
    expect(await explanationsLeft(s)).toEqual({ remaining: 9, limit: 10 });
  });

  it('a tampered mac is not found where the job is not held, and starts nothing; the genuine id rebuilds it', async () => {
    const first = await engine();
    const a = await server(first, { EXPLANATION_ID_SECRET: SECRET_A });
    const signed: string = (await a.gql(REQUEST, { code: 'E09000020' })).body.data!.requestExplanation.key;
    const engineId = signed.slice(0, signed.lastIndexOf('.'));
    const mac = signed.slice(signed.lastIndexOf('.') + 1);
    const tampered = `${engineId}.${mac.slice(0, 5)}${mac[5] === 'x' ? 'y' : 'x'}${mac.slice(6)}`;

    // A new engine (the old one's jobs are gone) behind a new BFF with the same secret.
    const fresh = await engine();
    const b = await server(fresh, { EXPLANATION_ID_SECRET: SECRET_A });
    const refused = await b.gql(READ, { id: tampered });
    expect(refused.body.errors).toBeUndefined();
    expect(refused.body.data).toEqual({ explanation: null });
    expect((await subscribe(b, tampered)).events.filter((event) => event.data)).toEqual([{ data: { explanationUpdated: null } }]);
    expect(await jobsHeld(fresh, [engineId])).toBe(0);

    const rebuilt = (await b.gql(READ, { id: signed })).body.data!.explanation;
    expect(rebuilt).toMatchObject({ key: signed, area: { code: 'E09000020' } });
    expect(await jobsHeld(fresh, [engineId])).toBe(1);
    expect((await untilDone(b, signed)).status).toBe('READY');
  });

  it('an id signed with the previous secret still reads (and rebuilds) during a rotation; without it, it does not', async () => {
    const first = await engine();
    const a = await server(first, { EXPLANATION_ID_SECRET: SECRET_A });
    const oldId: string = (await a.gql(REQUEST, { code: 'E09000030' })).body.data!.requestExplanation.key;
    const engineId = oldId.slice(0, oldId.lastIndexOf('.'));

    const withoutPrevious = await engine();
    const c = await server(withoutPrevious, { EXPLANATION_ID_SECRET: SECRET_B });
    expect((await c.gql(READ, { id: oldId })).body.data).toEqual({ explanation: null });
    expect(await jobsHeld(withoutPrevious, [engineId])).toBe(0);

    const rotated = await engine();
    const b = await server(rotated, { EXPLANATION_ID_SECRET: SECRET_B, EXPLANATION_ID_SECRET_PREVIOUS: SECRET_A });
    const job = (await b.gql(READ, { id: oldId })).body.data!.explanation;
    expect(job.area.code).toBe('E09000030');
    // Shown signed with the current secret from now on.
    expect(job.key).not.toBe(oldId);
    expect(job.key.startsWith(`${engineId}.`)).toBe(true);
    expect(await jobsHeld(rotated, [engineId])).toBe(1);
    const done = await untilDone(b, job.key);
    expect(done.status).toBe('READY');
    expect((await untilDone(b, oldId)).status).toBe('READY');
  });
});
