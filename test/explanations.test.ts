import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plainText } from '../src/explanations/plain-text.ts';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';
import { multipartParts } from './helpers/multipart.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const REQUEST = `mutation ($code: ID!) { requestExplanation(areaCode: $code, persona: STUDENT, context: { budget: 700, locationType: RENT, size: ROOM }) {
  id key status attempts } }`;
const READ = `query ($id: ID!) { explanation(id: $id) { id status text source error attempts area { name } } }`;

/** Engines of the suite's own, so jobs take long enough to be seen PENDING, or fail on purpose. */
const engines: LocalEngineProcess[] = [];
const servers: TestServer[] = [];
async function engine(env: Record<string, string> = {}) {
  const e = new LocalEngineProcess({ python: 'python3', env: { EXPLAIN_DELAY_MS: '300', ...env } });
  engines.push(e);
  return e;
}
async function server(e: LocalEngineProcess, env: Record<string, string> = {}) {
  const s = await startServer({ LOCAL_ENGINE_URL: await e.url(), EXPLANATION_POLL_MS: '50', ...env });
  servers.push(s);
  return s;
}
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  while (engines.length) await engines.pop()!.stop();
});

async function pollUntilDone(s: TestServer, id: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await s.gql(READ, { id });
    const job = body.data!.explanation;
    if (job.status !== 'PENDING' || Date.now() > deadline) return job;
    await sleep(50);
  }
}

describe('explanations', () => {
  it("polling: a job starts PENDING, then answers READY with text grounded in the area's figures", async () => {
    const s = await server(await engine());
    const { body } = await s.gql(REQUEST, { code: 'E09000007' });
    const started = body.data!.requestExplanation;
    expect(started.status).toBe('PENDING');
    // The engine's id, signed by this server.
    expect(started.key).toMatch(/^ex1_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const done = await pollUntilDone(s, started.id);
    expect(done.status).toBe('READY');
    expect(done.source).toBe('TEMPLATE');
    expect(done.area.name).toBe('Camden');
    expect(done.text).toContain('Camden');
    expect(done.text).toMatch(/\d/);
    expect(done.text).not.toMatch(/[<>*#`]/);
  });

  it("gives a job's times as DateTime: ISO 8601 in UTC, finishedAt null while PENDING", async () => {
    const s = await server(await engine());
    const TIMES = `query ($id: ID!) { explanation(id: $id) { status createdAt finishedAt } }`;
    const before = Date.now();
    const { id } = (await s.gql(REQUEST, { code: 'E09000012' })).body.data!.requestExplanation;
    const pending = (await s.gql(TIMES, { id })).body.data!.explanation;
    expect(pending.status).toBe('PENDING');
    expect(pending.finishedAt).toBeNull();
    expect(pending.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // The engine's clock is this machine's: the job was created while the request ran.
    expect(Date.parse(pending.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(pending.createdAt)).toBeLessThanOrEqual(Date.now());
    expect((await pollUntilDone(s, id)).status).toBe('READY');
    const done = (await s.gql(TIMES, { id })).body.data!.explanation;
    expect(done.createdAt).toBe(pending.createdAt);
    expect(done.finishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(done.finishedAt)).toBeGreaterThan(Date.parse(done.createdAt));
  });

  it('@defer: the ranked list comes at once, ten explanations follow READY, after one submit call', async () => {
    const s = await server(await engine());
    const query = `{ recommendations(input: { persona: STUDENT, budget: 1500, locationType: RENT, size: STUDIO, limit: 10 }) {
      results { rank area { code } ... @defer { explanation { id status text source } } } } }`;
    let received: { at: number; part: any }[] = [];
    const calls = await s.countEngineCalls(async () => {
      const started = performance.now();
      const response = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
        body: JSON.stringify({ query }),
      });
      received = await multipartParts(response, started);
    });
    const parts = received.map((r) => r.part);
    const elapsed = received.at(-1)!.at;
    // The ranked list did not wait for the jobs (each held back 300 ms by the engine).
    expect(elapsed - received[0]!.at).toBeGreaterThan(250);

    const first = parts[0];
    expect(first.data.recommendations.results).toHaveLength(10);
    expect(first.data.recommendations.results[0].explanation).toBeUndefined();
    expect(first.extensions.cost.requestedQueryCost).toBeGreaterThan(0);

    const deferred = parts.slice(1).flatMap((p) => p.incremental ?? []);
    expect(deferred).toHaveLength(10);
    for (const item of deferred) {
      expect(item.data.explanation.status).toBe('READY');
      expect(item.data.explanation.text.length).toBeGreaterThan(20);
    }
    expect(parts.at(-1).hasNext).toBe(false);
    expect(calls.explanations).toBe(1); // one submit for the ten
    expect(elapsed).toBeLessThan(5_000); // the seed's target for recommendations with explanations
  });

  it('SSE: explanationUpdated emits each status change and completes', async () => {
    const s = await server(await engine());
    const { body } = await s.gql(REQUEST, { code: 'E09000012' });
    const id = body.data!.requestExplanation.id;
    const response = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: `subscription ($id: ID!) { explanationUpdated(id: $id) { status text } }`, variables: { id } }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text(); // ends when the server completes the stream
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.length > 6)
      .map((line) => JSON.parse(line.slice(5)))
      .filter((event) => event.data);
    expect(events.map((e) => e.data.explanationUpdated.status)).toEqual(['PENDING', 'READY']);
    expect(events[1].data.explanationUpdated.text).toContain('Hackney');
    expect(text).toContain('event: complete');
  });

  it('concurrent requests for the same question start one job with one submit call', async () => {
    const s = await server(await engine());
    let answers: any[] = [];
    const calls = await s.countEngineCalls(async () => {
      answers = await Promise.all(Array.from({ length: 10 }, () => s.gql(REQUEST, { code: 'E09000020' })));
    });
    const ids = new Set(answers.map((a) => a.body.data.requestExplanation.id));
    expect(ids.size).toBe(1);
    // One submit; a request that comes after it may read the running job's status, never submit again.
    expect(calls.explanations).toBe(1);
    const done = await pollUntilDone(s, [...ids][0]!);
    expect(done.attempts).toBe(1);
  });

  it('an id handed out stays readable after the BFF and its engine restart', async () => {
    const first = await engine();
    const a = await server(first);
    const { body } = await a.gql(REQUEST, { code: 'E09000030' });
    const id = body.data!.requestExplanation.id;
    await a.close();
    await first.stop();
    servers.length = 0;

    const b = await server(await engine());
    const { body: again } = await b.gql(READ, { id });
    expect(again.data!.explanation).toMatchObject({ id, status: 'PENDING' }); // recreated from the signed id
    const done = await pollUntilDone(b, id);
    expect(done.status).toBe('READY');
    expect(done.area.name).toBe('Tower Hamlets');
  });

  it('a FAILED job is retried by asking again', async () => {
    const s = await server(await engine({ EXPLAIN_FAILURES: '1' }));
    const { body } = await s.gql(REQUEST, { code: 'E09000007' });
    const failed = await pollUntilDone(s, body.data!.requestExplanation.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toContain('EXPLAIN_FAILURES');
    const { body: retried } = await s.gql(REQUEST, { code: 'E09000007' });
    expect(retried.data!.requestExplanation).toMatchObject({ status: 'PENDING', attempts: 2 });
    const done = await pollUntilDone(s, retried.data!.requestExplanation.id);
    expect(done).toMatchObject({ status: 'READY', attempts: 2, error: null });
  });

  it('with the engine down, explanation fields fail alone and the rest is served', async () => {
    const e = await engine();
    const s = await server(e);
    await s.gql(`{ area(code: "E09000007") { name } }`); // cached
    await e.stop();
    const { status, body } = await s.gql(`{ area(code: "E09000007") { name explanation(persona: PARENT) { status } } }`);
    expect(status).toBe(200);
    expect(body.data!.area).toEqual({ name: 'Camden', explanation: null });
    expect(body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(body.errors![0]!.path).toEqual(['area', 'explanation']);
  });
});

describe('more jobs than one engine call takes', () => {
  it('120 running jobs: started by one mutation, read by one query, all followed at once by subscriptions', async () => {
    // Jobs held back 5 s each on 4 workers: nearly all of the 120 stay PENDING while they are watched.
    const s = await server(await engine({ EXPLAIN_DELAY_MS: '5000' }), {
      EXPLANATIONS_PER_HOUR: '1000',
      MAX_ALIASES: '200',
      MAX_TOKENS: '5000',
      MAX_QUERY_COST: '10000',
      // The subscriptions come from 8 clients behind a proxy: one may hold 16 streams.
      TRUST_PROXY: '1',
    });
    const questions = Array.from(
      { length: 120 },
      (_, i) =>
        `q${i}: requestExplanation(areaCode: "E09${String((i % 33) + 1).padStart(6, '0')}", persona: STUDENT, context: { budget: ${500 + i} }) { id }`,
    );
    // One loader batch of 120 new questions: submitted in calls the engine accepts (at most 100 each).
    const started = await s.gql(`mutation { ${questions.join(' ')} }`);
    expect(started.body.errors).toBeUndefined();
    const ids: string[] = questions.map((_, i) => started.body.data![`q${i}`].id);
    expect(new Set(ids).size).toBe(120);

    // One query, one loader batch of 120 ids: read the same way.
    const { body } = await s.gql(`{ ${ids.map((id, i) => `e${i}: explanation(id: "${id}") { id }`).join(' ')} }`);
    expect(body.errors).toBeUndefined();
    expect(ids.map((_, i) => body.data![`e${i}`].id)).toEqual(ids);

    // 120 subscriptions: the watcher follows every running job at once, in calls of at most 100 ids.
    const aborts = ids.map(() => new AbortController());
    const texts = ids.map(() => '');
    const streams = ids.map(async (id, i) => {
      const response = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-forwarded-for': `192.0.2.${i % 8}` },
        body: JSON.stringify({ query: `subscription ($id: ID!) { explanationUpdated(id: $id) { status } }`, variables: { id } }),
        signal: aborts[i]!.signal,
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) texts[i] += decoder.decode(chunk as Uint8Array, { stream: true });
    });
    const settled = Promise.allSettled(streams);
    const count = (status: string) => texts.filter((t) => t.includes(`{"status":"${status}"}`)).length;
    const deadline = Date.now() + 40_000;
    const watchedNow = () => texts.filter((t) => t.includes('{"status":"PENDING"}') && !t.includes('READY')).length;
    // Over 100 subscriptions waiting on running jobs: the watcher polls them all, tick after tick.
    while (watchedNow() <= 100 && Date.now() < deadline) await sleep(20);
    const watched = watchedNow();
    await sleep(300); // several ticks of EXPLANATION_POLL_MS (50)
    // Then jobs finish and their subscribers hear it through the watcher.
    while (count('READY') < 4 && Date.now() < deadline) await sleep(50);
    for (const abort of aborts) abort.abort();
    await settled;
    expect(watched).toBeGreaterThan(100);
    expect(count('READY')).toBeGreaterThanOrEqual(4);
    expect(s.logs.filter((l) => l.event === 'explanations.poll.failed')).toEqual([]);
  }, 60_000);
});

describe('the explanation budget', () => {
  let s: TestServer;
  let e: LocalEngineProcess;
  beforeAll(async () => {
    e = new LocalEngineProcess({ python: 'python3' });
    s = await startServer({ LOCAL_ENGINE_URL: await e.url(), EXPLANATIONS_PER_HOUR: '3', EXPLANATION_POLL_MS: '50' });
  });
  afterAll(async () => {
    await s.close();
    await e.stop();
  });

  const query = (limit: number) => `{ recommendations(input: { persona: PARENT, budget: 4000, locationType: RENT, limit: ${limit} }) {
    results { rank area { name } explanation { status } } } }`;
  const budgetLeft = async () =>
    (await s.gql(`{ rateLimit { budgets { name remaining } } }`)).body.data!.rateLimit.budgets.find((b: any) => b.name === 'explanations')
      .remaining;

  it('charges new jobs only; when it is spent only the explanation fields answer RATE_LIMITED', async () => {
    const { body: three } = await s.gql(query(3));
    expect(three.errors).toBeUndefined();
    expect(await budgetLeft()).toBe(0);

    // Asking the same again costs no explanation budget, and once the jobs are READY no engine call either.
    for (let i = 0; i < 40; i += 1) {
      const { body } = await s.gql(query(3));
      if (body.data!.recommendations.results.every((r: any) => r.explanation.status === 'READY')) break;
      await sleep(50);
    }
    let again: any;
    const calls = await s.countEngineCalls(async () => (again = await s.gql(query(3))));
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data.recommendations.results.map((r: any) => r.explanation.status)).toEqual(['READY', 'READY', 'READY']);
    expect(calls).toEqual({});
    expect(await budgetLeft()).toBe(0);

    const { status, body: five } = await s.gql(query(5));
    expect(status).toBe(200);
    const results = five.data!.recommendations.results;
    expect(results).toHaveLength(5);
    expect(results.every((r: any) => r.area.name)).toBe(true);
    const limited = five.errors!.filter((err) => err.extensions!.code === 'RATE_LIMITED');
    expect(limited.length).toBe(2);
    for (const err of limited) {
      expect(err.path!.at(-1)).toBe('explanation');
      expect(err.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    }
  });
});

describe('plain text', () => {
  it('strips markup a model may write', () => {
    expect(plainText('## Camden\n**Good** for <b>students</b>: see [TfL](https://tfl.gov.uk).\n- `£700` a month')).toBe(
      'Camden\nGood for students: see TfL.\n£700 a month',
    );
  });
});
