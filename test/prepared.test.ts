import { describe, expect, it, vi } from 'vitest';
import { engineInFront } from './helpers/engine-in-front.ts';
import { liveHeap } from './helpers/heap.ts';
import { modalStandIn } from './helpers/modal-stand-in.ts';
import { type Answer, send, stable } from './helpers/raw-http.ts';
import { serversPerTest, type TestServer } from './helpers/server.ts';

// Prepared operations (src/http/hit-path/prepared.ts): a query POST the pipeline ran with a plain answer is,
// from its second such run on, run again in front of Yoga with the same compiled query and a new context.
// Each test makes a question prepared (asked twice through the pipeline), then checks what the fast path
// answers, or that what it may not answer gets the pipeline's answer, charged once.

const server = serversPerTest();
const API_KEY = 'k_prepared_suite_0123456789';
const SMALL_KEY = 'k_prepared_small_0123456789';
const ADMIN_TOKEN = 'admin-token-for-the-prepared-suite';
const ORIGIN = 'http://localhost:3000';
const AREA = `query Area($code: ID!) { area(code: $code) { code name housing { medianRentAll } safety { crimeRatePer1000 rank } } }`;
const CAMDEN = { code: 'E09000007' };
const DASHBOARD = `query Dashboard($first: Int = 33) { areas(first: $first, orderBy: { field: MEDIAN_RENT, direction: ASC }) { totalCount pageInfo { endCursor hasNextPage } edges { cursor } nodes { code name housing { medianRentAll } safety { rank } schools { gcse5acPct } } } }`;
const ENV = {
  RESPONSE_CACHE: 'off',
  API_KEYS: `suite:${API_KEY}:big,small:${SMALL_KEY}:small`,
  // A tier whose minute holds 10 points: the area above costs 3.
  RATE_LIMIT_TIERS: 'big:100000000:1000000000:1000,small:10:100000:10',
  ADMIN_TOKEN,
  CORS_ORIGINS: ORIGIN,
};

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
const post = (s: TestServer, query: string, variables?: object, headers: Record<string, string> = {}, operationName?: string) =>
  send(s, { body: JSON.stringify({ query, variables, operationName }), headers: { ...JSON_HEADERS, 'x-api-key': API_KEY, ...headers } });

/** A sample of /metrics: `series` is a regular expression of its name and labels. */
async function metric(s: TestServer, series: string, parse: (text: string) => number = Number): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return parse(new RegExp(`^${series} (\\S+)`, 'm').exec(text)?.[1] ?? 'NaN');
}
const preparedAnswers = (s: TestServer) => metric(s, 'veo_prepared_answers_total');
const lastLine = (s: TestServer) => s.logs.filter((l) => l.event === 'request').at(-1)!;

/** Asks twice through the pipeline (the second run is compiled and prepared), so the next identical request is run here. */
async function prepared(s: TestServer, ask: () => Promise<Answer>): Promise<Answer> {
  const before = await preparedAnswers(s);
  await ask();
  const second = await ask();
  expect(await preparedAnswers(s)).toBe(before);
  return second;
}

describe('a prepared operation is answered as the pipeline answers it', () => {
  const cases: { name: string; ask: (s: TestServer) => Promise<Answer> }[] = [
    { name: 'a query with variables and an API key', ask: (s) => post(s, AREA, CAMDEN) },
    { name: 'from an allowed origin (CORS headers)', ask: (s) => post(s, AREA, CAMDEN, { origin: ORIGIN }) },
    { name: 'a dashboard page with its cursors, as plain JSON', ask: (s) => post(s, DASHBOARD, undefined, { accept: 'application/json' }) },
    {
      name: 'without a key (charged to the address)',
      ask: (s) => send(s, { body: JSON.stringify({ query: AREA, variables: CAMDEN }), headers: JSON_HEADERS }),
    },
  ];

  it('a variable named as objects inherit ($toString, $constructor), left out for its default, on every run', async () => {
    // graphql-jit read such a variable from the object's prototype (a function) and refused it, from the
    // second run on (compiled); found by an outside tester.
    const s = await server(ENV);
    const query = `query Inherited($toString: String = "king", $constructor: Int = 1) { stations(search: $toString, first: $constructor) { name } }`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(JSON.parse((await post(s, query)).text));
    expect(answers[0].data.stations).toEqual([{ name: 'Barking' }]);
    for (const answer of answers) expect(answer).toMatchObject({ data: answers[0].data });
    expect(answers.every((a) => a.errors === undefined)).toBe(true);
    expect(await preparedAnswers(s)).toBeGreaterThan(0);
  });

  it('a non-null variable left out for its default, on every run', async () => {
    // graphql-jit ignored a non-null variable's default and refused the request from its second run on.
    const s = await server(ENV);
    for (const name of ['code', 'toString']) {
      const query = `query Defaulted($${name}: ID! = "E09000012") { area(code: $${name}) { name } }`;
      for (let i = 0; i < 4; i++) expect(JSON.parse((await post(s, query)).text)).toMatchObject({ data: { area: { name: 'Hackney' } } });
    }
  });

  it('a variable sent as null where a directive needs a value: the same coded error on every run', async () => {
    // graphql-jit let the null through and answered {} (both fields gone), where graphql-js refuses it.
    const s = await server(ENV);
    const query = `query Flag($flag: Boolean = false) { a: area(code: "E09000012") @include(if: $flag) { name } b: area(code: "E09000007") @skip(if: $flag) { name } }`;
    for (let i = 0; i < 4; i++) {
      const answer = JSON.parse((await post(s, query, { flag: null })).text);
      expect(answer.data).toBeNull();
      expect(answer.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    }
  });

  it("echoes and logs the client's own request id", async () => {
    const s = await server(ENV);
    const ask = (id: string) => post(s, AREA, CAMDEN, { 'x-request-id': id });
    await prepared(s, () => ask('req-prepared-recorded'));
    const before = await preparedAnswers(s);
    const again = await ask('req-prepared-0001');
    expect(await preparedAnswers(s)).toBe(before + 1);
    expect(again.headers['x-request-id']).toBe('req-prepared-0001');
    expect(lastLine(s).requestId).toBe('req-prepared-0001');
  });

  for (const { name, ask } of cases) {
    it(name, async () => {
      const s = await server(ENV);
      const recorded = await prepared(s, () => ask(s));
      const recordedLine = lastLine(s);
      const before = await preparedAnswers(s);
      const again = await ask(s);
      expect(await preparedAnswers(s)).toBe(before + 1);
      expect(stable(again)).toEqual(stable(recorded));
      expect(again.headers['x-request-id']).not.toBe(recorded.headers['x-request-id']);
      // The same log line as the pipeline's, but for what is per request (the run read the same cache).
      const line = lastLine(s);
      expect(line).toMatchObject({ status: 200, responseCache: null, outcome: 'ok', operationType: 'query', engineCalls: 0 });
      expect(line.requestId).toBe(again.headers['x-request-id']);
      expect(line.cacheHits).toBeGreaterThan(0);
      const { requestId: _a, durationMs: _b, ...same } = line;
      const { requestId: _c, durationMs: _d, ...recordedSame } = recordedLine;
      expect(Object.keys(line)).toEqual(Object.keys(recordedLine));
      expect(same).toEqual(recordedSame);
    });
  }

  it('runs the operation again each time: a new value in the cache is in the next answer', async () => {
    const s = await server(ENV);
    await prepared(s, () => post(s, AREA, CAMDEN));
    const [lookup] = await s.app.cache.load<object>('area', ['E09000007'], async () => {
      throw new Error('cached: the engine is not asked');
    });
    await s.app.cache.store('area', [{ id: 'E09000007', value: { ...(lookup as { value: object }).value, name: 'Camden (renamed)' } }]);
    const before = await preparedAnswers(s);
    const again = await post(s, AREA, CAMDEN);
    expect(await preparedAnswers(s)).toBe(before + 1);
    expect(JSON.parse(again.text).data.area.name).toBe('Camden (renamed)');
  });

  it('charges each run its price, less what it did not use, as the cost plugin does', async () => {
    const HOURLY_KEY = 'k_prepared_hourly_0123456789';
    // Restores less than a point a second, so a second boundary cannot refill what a run spent.
    const s = await server({
      ...ENV,
      API_KEYS: `${ENV.API_KEYS},hourly:${HOURLY_KEY}:hourly`,
      RATE_LIMIT_TIERS: `${ENV.RATE_LIMIT_TIERS},hourly:3000:100000:10`,
      RATE_LIMIT_WINDOW_MS: '3600000',
    });
    // first: 33 is priced for 33 areas; the filter leaves 12 inner boroughs, so most of the price is refunded.
    const INNER = `query Inner { areas(first: 33, filter: { innerOuter: INNER }) { nodes { code safety { rank } } } }`;
    const pipeline = await prepared(s, () => post(s, INNER, undefined, { 'x-api-key': HOURLY_KEY }));
    const before = await preparedAnswers(s);
    const again = await post(s, INNER, undefined, { 'x-api-key': HOURLY_KEY });
    expect(await preparedAnswers(s)).toBe(before + 1);
    const cost = JSON.parse(again.text).extensions.cost;
    expect(cost).toEqual({ ...JSON.parse(pipeline.text).extensions.cost, throttleStatus: cost.throttleStatus });
    expect(cost.actualQueryCost).toBeLessThan(cost.requestedQueryCost);
    const remaining = (a: Answer) => Number(a.headers['x-ratelimit-remaining']);
    // Charged the actual cost (the refill between the two adds at most a point).
    expect(remaining(pipeline) - remaining(again)).toBeGreaterThanOrEqual(cost.actualQueryCost - 1);
    expect(remaining(pipeline) - remaining(again)).toBeLessThanOrEqual(cost.actualQueryCost);
    expect(cost.throttleStatus.currentlyAvailable).toBe(remaining(again));
  });

  it('runs the operation a request names, in a document of several', async () => {
    const s = await server(ENV);
    const TWO = `query One { area(code: "E09000007") { name } } query Two { area(code: "E09000001") { name } }`;
    for (const [name, borough] of [
      ['One', 'Camden'],
      ['Two', 'City of London'],
    ] as const) {
      // Through the pipeline too: the document is compiled once per operation, not once for its first.
      const pipeline = await prepared(s, () => post(s, TWO, undefined, {}, name));
      expect(JSON.parse(pipeline.text).data.area.name).toBe(borough);
      const before = await preparedAnswers(s);
      const again = await post(s, TWO, undefined, {}, name);
      expect(await preparedAnswers(s)).toBe(before + 1);
      expect(JSON.parse(again.text).data.area.name).toBe(borough);
    }
  });
});

describe('what a prepared operation may not answer gets the pipeline answer', () => {
  it('a disallowed origin, a form POST without a CSRF header, a body or a document over the limits', async () => {
    const s = await server({ ...ENV, MAX_BODY_BYTES: '2000' });
    await prepared(s, () => post(s, AREA, CAMDEN, { origin: ORIGIN }));
    const before = await preparedAnswers(s);
    const origin = await post(s, AREA, CAMDEN, { origin: 'https://evil.example' });
    expect([origin.status, JSON.parse(origin.text).errors[0].extensions.code]).toEqual([403, 'FORBIDDEN_ORIGIN']);
    const form = await post(s, AREA, CAMDEN, { origin: ORIGIN, 'content-type': 'text/plain' });
    expect([form.status, JSON.parse(form.text).errors[0].extensions.code]).toEqual([403, 'CSRF_HEADER_REQUIRED']);
    const padded = await send(s, {
      body: JSON.stringify({ query: `${AREA}${' '.repeat(3000)}`, variables: CAMDEN }),
      headers: { ...JSON_HEADERS, 'x-api-key': API_KEY },
    });
    expect(padded.status).toBe(413);
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: name`).join(' ');
    const many = `query Many { area(code: "E09000007") { ${aliases} } }`;
    for (let i = 0; i < 3; i += 1) expect(JSON.parse((await post(s, many)).text).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(await preparedAnswers(s)).toBe(before);
  });

  it('an unknown API key: 401 UNAUTHENTICATED', async () => {
    const s = await server(ENV);
    await prepared(s, () => post(s, AREA, CAMDEN));
    const before = await preparedAnswers(s);
    const refused = await post(s, AREA, CAMDEN, { 'x-api-key': 'k_not_a_key_0000000000000' });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(await preparedAnswers(s)).toBe(before);
  });

  it('a client whose budget is spent: 429 RATE_LIMITED, and no run is free', async () => {
    const s = await server(ENV);
    // 3 points each against a minute of 10: the fourth is refused, whichever path took the first three.
    const answers: Answer[] = [];
    const decisions = (result: string) => metric(s, `veo_ratelimit_decisions_total\\{result="${result}"\\}`);
    for (let i = 0; i < 5; i += 1) answers.push(await post(s, AREA, CAMDEN, { 'x-api-key': SMALL_KEY }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(JSON.parse(answers[3]!.text).errors[0].extensions.code).toBe('RATE_LIMITED');
    // Each decision counted once: the fast path's refused charge is the pipeline's to count (it was counted twice).
    expect(await decisions('limited')).toBe(2);
    expect(await decisions('allowed')).toBe(3);
  });

  it('a question too expensive for the client: 400 COST_ESTIMATED_TOO_EXPENSIVE', async () => {
    const s = await server(ENV);
    await prepared(s, () => post(s, DASHBOARD));
    const refused = await post(s, DASHBOARD, undefined, { 'x-api-key': SMALL_KEY });
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  });

  it('an admin request goes through the pipeline', async () => {
    const s = await server(ENV);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    await post(s, AREA, CAMDEN, admin);
    await post(s, AREA, CAMDEN, admin);
    const before = await preparedAnswers(s);
    expect((await post(s, AREA, CAMDEN, admin)).status).toBe(200);
    expect(await preparedAnswers(s)).toBe(before);
  });

  it('while draining: the pipeline answers (Connection: close)', async () => {
    const s = await server(ENV);
    await prepared(s, () => post(s, AREA, CAMDEN));
    s.app.drain.begin();
    const before = await preparedAnswers(s);
    const answer = await post(s, AREA, CAMDEN);
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(await preparedAnswers(s)).toBe(before);
  });

  it('an operation that selects an explanation is never prepared (its jobs are started and charged once)', async () => {
    const s = await server(ENV);
    const EXPLAINED = `query Explained { recommendations(input: { persona: STUDENT, locationType: RENT, budget: 1200, limit: 1 }) { results { rank explanation { status } } } }`;
    for (let i = 0; i < 4; i += 1) expect((await post(s, EXPLAINED)).status).toBe(200);
    expect(await preparedAnswers(s)).toBe(0);
  });

  it('variables the operation does not declare are not kept: a flood of them stays within the bound', async () => {
    const s = await server(ENV);
    // About 15 KB of JSON that takes ten times that as objects, each body different, each sent twice (a plan).
    const junk = Array.from({ length: 5000 }, () => ({}));
    const flood = async (from: number, to: number) => {
      for (let n = from; n < to; n += 1) {
        const body = JSON.stringify({ query: '{ __typename }', variables: { junk, n } });
        for (let i = 0; i < 2; i += 1)
          expect((await send(s, { body, headers: { ...JSON_HEADERS, 'x-api-key': API_KEY } })).status).toBe(200);
      }
    };
    await flood(0, 20);
    const before = liveHeap();
    await flood(20, 220);
    const grown = (liveHeap() - before) / (1024 * 1024);
    // Kept whole, these were about 20 MB (an outside tester's measurement); the plans' bound is 2 MB.
    expect(grown).toBeLessThan(4);
    expect(await preparedAnswers(s)).toBe(0);
  });

  it('a question asked once is not prepared: one-off variables take no plan', async () => {
    const s = await server(ENV);
    // The document is compiled after its second run; every later code is new.
    for (const code of ['E09000001', 'E09000002', 'E09000003', 'E09000004', 'E09000005']) await post(s, AREA, { code });
    // Asked a second time, through the pipeline, which prepares it; the third is run here.
    expect((await post(s, AREA, { code: 'E09000005' })).status).toBe(200);
    expect(await preparedAnswers(s)).toBe(0);
    expect((await post(s, AREA, { code: 'E09000005' })).status).toBe(200);
    expect(await preparedAnswers(s)).toBe(1);
  });
});

describe('a run that fails is answered by the pipeline, charged once', () => {
  it('the engine hung at the drain deadline: SHUTTING_DOWN, and the run charged nothing', async () => {
    const engine = await engineInFront();
    try {
      const s = await server({ ...ENV, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url, ENGINE_TIMEOUT_MS: '30000' });
      const ask = () => post(s, AREA, CAMDEN, { 'x-api-key': SMALL_KEY });
      const ok = await prepared(s, ask);
      engine.state.hold = true;
      s.app.cache.memory.clear();
      const pending = ask();
      await vi.waitFor(() => expect(engine.held).toHaveLength(1));
      s.app.drain.expire();
      const answer = await pending;
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text).errors[0].extensions.code).toBe('SHUTTING_DOWN');
      // The run was refunded whole: what is spent is the point the pipeline charges a request it refuses
      // before execution (3 more, the run's price, would leave none).
      expect(Number(answer.headers['x-ratelimit-remaining'])).toBeGreaterThanOrEqual(Number(ok.headers['x-ratelimit-remaining']) - 1);
    } finally {
      await engine.close();
    }
  });

  it('a slow failing engine is asked once, and the request waits for one run, as its log line says', async () => {
    const engine = await engineInFront();
    try {
      const s = await server({ ...ENV, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url });
      const ask = () => post(s, AREA, CAMDEN);
      await prepared(s, ask);
      engine.state.failAfterMs = 400;
      engine.state.areaCalls = 0;
      s.app.cache.memory.clear();
      const lines = s.logs.length;
      const timed = () =>
        metric(s, 'veo_graphql_operation_duration_seconds_sum\\{operation_type="query",operation_name="Area"\\}', Number.parseFloat);
      const timedBefore = await timed();
      const started = performance.now();
      const failed = await ask();
      const waited = performance.now() - started;
      expect(JSON.parse(failed.text).errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
      // The pipeline answered with the prepared run's result: the engine was asked once, not once per run.
      expect(engine.state.areaCalls).toBe(1);
      expect(waited).toBeLessThan(800);
      const [line] = s.logs.slice(lines).filter((l) => l.event === 'request');
      // Timed from its arrival, the prepared run included, and with that run's engine call.
      expect(line!.durationMs).toBeGreaterThanOrEqual(400);
      expect(line!.engineCalls).toBe(1);
      // And the operation's duration metric counts the run (the pipeline only gave its result).
      expect((await timed()) - timedBefore).toBeGreaterThanOrEqual(0.4);
    } finally {
      await engine.close();
    }
  });

  it("Yoga's parsed document evicted meanwhile: the run is still handed over, the engine asked once", async () => {
    const engine = await engineInFront();
    try {
      const s = await server({ ...ENV, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url });
      const ask = () => post(s, AREA, CAMDEN);
      await prepared(s, ask);
      // 40 documents of 1,200 characters: past Yoga's document cache (24 MB at 750 bytes a character).
      for (let i = 0; i < 40; i += 1) expect((await post(s, `query Pad${i} { __typename ${' '.repeat(1200)} }`)).status).toBe(200);
      engine.state.failAfterMs = 100;
      engine.state.areaCalls = 0;
      s.app.cache.memory.clear();
      const failed = await ask();
      expect(JSON.parse(failed.text).errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(engine.state.areaCalls).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it("a value graphql-jit cannot serialise is masked and coded as graphql-js's is, on every path", async () => {
    const engine = await engineInFront();
    try {
      const s = await server({ ...ENV, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url });
      // A rank past Int's 32 bits: the engine's contract takes it, the schema's Int cannot write it.
      engine.state.rewrite = (text) => text.replace(/"rank":\s*\d+/g, '"rank":9999999999');
      const answers: Answer[] = [];
      // The first run is graphql-js's, the next the pipeline's compiled run, the last ones prepared runs handed over.
      for (let i = 0; i < 4; i += 1) answers.push(await post(s, AREA, CAMDEN));
      for (const answer of answers) {
        const [error] = JSON.parse(answer.text).errors;
        expect(error).toMatchObject({
          message: 'Unexpected error.',
          path: ['area', 'safety', 'rank'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
        expect(error.locations).toHaveLength(1);
      }
      expect(s.logs.filter((l) => l.event === 'request').map((l) => l.errorCodes)).toEqual(Array(4).fill(['INTERNAL_SERVER_ERROR']));
      // The same bytes from every executor: `errors` before `data`, as graphql-js writes them.
      expect(new Set(answers.map((a) => JSON.stringify(Object.keys(JSON.parse(a.text)))))).toEqual(
        new Set(['["errors","data","extensions"]']),
      );
    } finally {
      await engine.close();
    }
  });

  it('every executor answers in selection order: fragments where they are selected, as graphql-js does', async () => {
    const s = await server(ENV);
    const documents = [
      'query A { area(code: "E09000007") { ...F population } } fragment F on Area { code name }',
      'query B { area(code: "E09000007") { code ... on Area { s: safety { r: rank } } ...G } } fragment G on Area { name }',
      'query C { areas(first: 2) { nodes { ...G code housing { ... { medianRentAll } averagePrice } } totalCount } } fragment G on Area { name safety { rank ...H } } fragment H on Safety { crimeRatePer1000 }',
    ];
    for (const query of documents) {
      // The first run is graphql-js's, the second compiled through the pipeline, the rest prepared runs.
      const texts: string[] = [];
      for (let i = 0; i < 4; i += 1) texts.push(JSON.stringify(JSON.parse((await post(s, query)).text).data));
      expect(new Set(texts).size, query).toBe(1);
    }
    expect(JSON.parse((await post(s, documents[0]!)).text).data.area).toEqual({
      code: 'E09000007',
      name: 'Camden',
      population: expect.any(Number),
    });
    expect(Object.keys(JSON.parse((await post(s, documents[0]!)).text).data.area)).toEqual(['code', 'name', 'population']);
    expect(await preparedAnswers(s)).toBeGreaterThan(0);
  });

  it('the engine failing mid-run: the coded error, one charge, one log line', async () => {
    let down = false;
    const modal = await modalStandIn((request) =>
      down && request.path === '/areas' ? { status: 503, body: { error: 'unavailable' } } : undefined,
    );
    try {
      const HOURLY_KEY = 'k_prepared_hourly_0123456789';
      // 30 points an hour: the refill over the test is far below a point, so the points spent are exact.
      const s = await server({
        ...ENV,
        ENGINE_MODE: 'modal',
        MODAL_ENDPOINT_URL: modal.url,
        API_KEYS: `${ENV.API_KEYS},hourly:${HOURLY_KEY}:hourly`,
        RATE_LIMIT_TIERS: `${ENV.RATE_LIMIT_TIERS},hourly:30:100000:10`,
        RATE_LIMIT_WINDOW_MS: '3600000',
      });
      const ask = () => post(s, AREA, CAMDEN, { 'x-api-key': HOURLY_KEY });
      const ok = await prepared(s, ask);
      // The area is no longer cached, and the engine fails: the run errs, and is handed to the pipeline.
      down = true;
      s.app.cache.memory.clear();
      const lines = s.logs.length;
      const before = await preparedAnswers(s);
      const counts = () =>
        Promise.all([metric(s, 'veo_ratelimit_decisions_total\\{result="allowed"\\}'), metric(s, 'veo_ratelimit_refunded_points_total')]);
      const [allowed, refunded] = await counts();
      const failed = await ask();
      expect(await preparedAnswers(s)).toBe(before);
      // One decision and the pipeline's refund (2 points unused) in the metrics: the handed-over run's charge
      // and whole refund are not counted (they were: an outside tester's finding).
      expect(await counts()).toEqual([allowed + 1, refunded + 2]);
      const body = JSON.parse(failed.text);
      expect(body.data.area).toBeNull();
      expect(body.errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(failed.text).not.toMatch(/at .*\.ts:\d+/);
      // Charged once, what the pipeline charges: its price less what the answer did not use (the run here
      // was refunded whole). Twice would be 2 points or more.
      const spent = Number(ok.headers['x-ratelimit-remaining']) - Number(failed.headers['x-ratelimit-remaining']);
      expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 3, actualQueryCost: 1 });
      expect(spent).toBe(1);
      const logged = s.logs.slice(lines).filter((l) => l.event === 'request');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ outcome: 'errors', requestId: failed.headers['x-request-id'] });
      // Back up: answered by the fast path again.
      down = false;
      await ask();
      const afterwards = await preparedAnswers(s);
      await ask();
      expect(await preparedAnswers(s)).toBe(afterwards + 1);
    } finally {
      await modal.close();
    }
  });
});
