import { createHash } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type Answer, send, stable } from './helpers/raw-http.ts';
import { serversPerTest, type TestServer } from './helpers/server.ts';

// The hit path (src/http/hit-path): a request the same as one the pipeline answered from the response cache is
// answered before Yoga's pipeline. Each test first makes a request a replay (asked twice: a miss, then a hit the
// pipeline records), then checks what the fast path answers, or that what it may not answer gets the pipeline's.

const server = serversPerTest();
const API_KEY = 'k_hit_path_suite_0123456789';
const OTHER_KEY = 'k_hit_path_small_0123456789';
const ADMIN_TOKEN = 'admin-token-for-the-hit-path-suite';
const ORIGIN = 'http://localhost:3000';
const AREA = `query Area($code: ID!) { area(code: $code) { code name housing { medianRentAll } safety { crimeRatePer1000 rank } } }`;
const CAMDEN = { code: 'E09000007' };
const DASHBOARD = `query Dashboard { areas(first: 33) { totalCount nodes { code name housing { medianRentAll averagePrice priceChange5yPct } safety { crimeRatePer1000 rank } schools { gcse5acPct } } } }`;
const ENV = {
  API_KEYS: `suite:${API_KEY}:big,small:${OTHER_KEY}:small`,
  // A tier whose minute holds 10 points: the area above costs 3.
  RATE_LIMIT_TIERS: 'big:100000000:1000000000:1000,small:10:100000:10',
  ADMIN_TOKEN,
  CORS_ORIGINS: ORIGIN,
};

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
const post = (s: TestServer, query: string, variables?: object, headers: Record<string, string> = {}) =>
  send(s, { body: JSON.stringify({ query, variables }), headers: { ...JSON_HEADERS, 'x-api-key': API_KEY, ...headers } });

/** Writes `text` on a connection of its own and reads everything until the server closes it. */
function exchange(s: TestServer, text: string): Promise<string> {
  const { port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

async function fastAnswers(s: TestServer): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(/^veo_hit_path_answers_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function fieldUsage(s: TestServer): Promise<Map<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return new Map(
    [...text.matchAll(/^veo_field_usage_total\{coordinate="([^"]+)",deprecated="\w+"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
}

/** Asks twice (a miss, then a hit the pipeline records), so the next identical request is a replay. */
async function primed(s: TestServer, ask: () => Promise<Answer>): Promise<Answer> {
  await ask();
  const hit = await ask();
  expect(s.logs.filter((l) => l.event === 'request').at(-1)!.responseCache).toBe('hit');
  return hit;
}

describe('the hit path answers as the pipeline would', () => {
  const cases: { name: string; ask: (s: TestServer) => Promise<Answer> }[] = [
    { name: 'a POST with an API key', ask: (s) => post(s, AREA, CAMDEN) },
    { name: 'a POST from an allowed origin (CORS headers)', ask: (s) => post(s, AREA, CAMDEN, { origin: ORIGIN }) },
    { name: 'a dashboard, brotli', ask: (s) => post(s, DASHBOARD, undefined, { 'accept-encoding': 'br' }) },
    { name: 'a dashboard, gzip', ask: (s) => post(s, DASHBOARD, undefined, { 'accept-encoding': 'gzip, deflate' }) },
    {
      name: 'a shared GET (no key): public, ETag of the body, throttleStatus null',
      ask: (s) =>
        send(s, {
          method: 'GET',
          path: `/graphql?query=${encodeURIComponent(AREA)}&variables=${encodeURIComponent(JSON.stringify(CAMDEN))}`,
          headers: { accept: 'application/graphql-response+json' },
        }),
    },
    {
      name: 'a shared GET dashboard as brotli: its tag and bytes worked out once, as the pipeline gives them',
      ask: (s) =>
        send(s, {
          method: 'GET',
          path: `/graphql?query=${encodeURIComponent(DASHBOARD)}`,
          headers: { accept: 'application/graphql-response+json', 'accept-encoding': 'br' },
        }),
    },
    {
      name: 'a GET with a key: private',
      ask: (s) =>
        send(s, {
          method: 'GET',
          path: `/graphql?query=${encodeURIComponent(AREA)}&variables=${encodeURIComponent(JSON.stringify(CAMDEN))}`,
          headers: { accept: 'application/json', 'x-api-key': API_KEY },
        }),
    },
  ];

  for (const { name, ask } of cases) {
    it(name, async () => {
      const s = await server(ENV);
      const recorded = await primed(s, () => ask(s));
      const recordedLine = s.logs.filter((l) => l.event === 'request').at(-1)!;
      const before = await fastAnswers(s);
      const usage = await fieldUsage(s);
      const replayed = await ask(s);
      expect(await fastAnswers(s)).toBe(before + 1);
      expect(stable(replayed)).toEqual(stable(recorded));
      expect(replayed.headers['x-request-id']).not.toBe(recorded.headers['x-request-id']);
      const line = s.logs.filter((l) => l.event === 'request').at(-1)!;
      expect(line).toMatchObject({ status: 200, responseCache: 'hit', outcome: 'ok', operationType: 'query', engineCalls: 0 });
      expect(line.requestId).toBe(replayed.headers['x-request-id']);
      // The same line as the pipeline's, but for what is per request.
      const { requestId: _a, durationMs: _b, ...same } = line;
      const { requestId: _c, durationMs: _d, ...recordedSame } = recordedLine;
      expect(Object.keys(line)).toEqual(Object.keys(recordedLine));
      expect(same).toEqual(recordedSame);
      // Each field the operation selects is counted once more (veo_field_usage_total).
      const after = await fieldUsage(s);
      expect((line.coordinates as string[]).length).toBeGreaterThan(2);
      for (const coordinate of line.coordinates as string[]) expect(after.get(coordinate)).toBe((usage.get(coordinate) ?? 0) + 1);
    });
  }

  it('charges each replay its price and refund, as the pipeline does', async () => {
    // A budget that restores less than a point a second (3,000 points an hour), so a second boundary between
    // the two answers cannot refill what the replay spent.
    const HOURLY_KEY = 'k_hit_path_hourly_0123456789';
    const s = await server({
      ...ENV,
      API_KEYS: `${ENV.API_KEYS},hourly:${HOURLY_KEY}:hourly`,
      RATE_LIMIT_TIERS: `${ENV.RATE_LIMIT_TIERS},hourly:3000:100000:10`,
      RATE_LIMIT_WINDOW_MS: '3600000',
    });
    const hit = await primed(s, () => post(s, AREA, CAMDEN, { 'x-api-key': HOURLY_KEY }));
    const before = await fastAnswers(s);
    const replayed = await post(s, AREA, CAMDEN, { 'x-api-key': HOURLY_KEY });
    expect(await fastAnswers(s)).toBe(before + 1);
    const remaining = (a: Answer) => Number(a.headers['x-ratelimit-remaining']);
    const cost = JSON.parse(replayed.text).extensions.cost;
    expect(cost.requestedQueryCost).toBeGreaterThan(0);
    // The refill between the two adds at most a point.
    expect(remaining(hit) - remaining(replayed)).toBeGreaterThanOrEqual(cost.actualQueryCost - 2);
    expect(JSON.parse(replayed.text).extensions.cost.throttleStatus.currentlyAvailable).toBe(remaining(replayed));
  });

  it('passes the body it read to the pipeline when it cannot answer (a miss, then a new question)', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN));
    const other = await post(s, AREA, { code: 'E09000001' });
    expect(JSON.parse(other.text).data.area.name).toBe('City of London');
    // Chunked (no Content-Length): never read here.
    const chunked = await send(s, {
      body: JSON.stringify({ query: AREA, variables: CAMDEN }),
      headers: { ...JSON_HEADERS, 'transfer-encoding': 'chunked', 'x-api-key': API_KEY },
    });
    expect(JSON.parse(chunked.text).data.area.name).toBe('Camden');
  });
});

describe('what the hit path may not answer gets the pipeline coded answer', () => {
  it('a disallowed origin: 403 FORBIDDEN_ORIGIN', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN, { origin: ORIGIN }));
    const refused = await post(s, AREA, CAMDEN, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('FORBIDDEN_ORIGIN');
  });

  it('a form POST without a CSRF header: 403 CSRF_HEADER_REQUIRED', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN));
    const refused = await post(s, AREA, CAMDEN, { 'content-type': 'text/plain' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
  });

  it('a GET a page on another site sent without CORS: 403 CSRF_HEADER_REQUIRED', async () => {
    const s = await server(ENV);
    const path = `/graphql?query=${encodeURIComponent(AREA)}&variables=${encodeURIComponent(JSON.stringify(CAMDEN))}`;
    await primed(s, () => send(s, { method: 'GET', path, headers: { accept: 'application/json' } }));
    const refused = await send(s, {
      method: 'GET',
      path,
      headers: { accept: 'application/json', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
  });

  it('a body over MAX_BODY_BYTES: 413, and a document over the limits: QUERY_TOO_COMPLEX', async () => {
    const s = await server({ ...ENV, MAX_BODY_BYTES: '2000' });
    await primed(s, () => post(s, AREA, CAMDEN));
    const padded = await send(s, {
      body: JSON.stringify({ query: `${AREA}${' '.repeat(3000)}`, variables: CAMDEN }),
      headers: { ...JSON_HEADERS, 'x-api-key': API_KEY },
    });
    expect(padded.status).toBe(413);
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: name`).join(' ');
    const tooMany = await post(s, `query Many { area(code: "E09000007") { ${aliases} } }`);
    expect(JSON.parse(tooMany.text).errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('an unknown API key: 401 UNAUTHENTICATED, charged to the address', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN));
    const refused = await post(s, AREA, CAMDEN, { 'x-api-key': 'k_not_a_key_0000000000000' });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('one keep-alive connection that changes its key is charged to each key it sends (the key match is per request)', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN));
    // One socket for every request: the server's per-connection memory of the last key must not carry over.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const ask = (key: string) =>
      new Promise<{ status: number; client: unknown }>((resolve, reject) => {
        const req = httpRequest(`${s.url}/graphql`, { method: 'POST', agent, headers: { ...JSON_HEADERS, 'x-api-key': key } }, (res) => {
          sockets.add(res.socket);
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, client: s.logs.filter((l) => l.event === 'request').at(-1)!.client }));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: AREA, variables: CAMDEN }));
      });
    try {
      expect(await ask(API_KEY)).toEqual({ status: 200, client: 'key:suite' });
      expect((await ask('k_not_a_key_0000000000000')).status).toBe(401);
      expect(await ask(OTHER_KEY)).toEqual({ status: 200, client: 'key:small' });
      expect(await ask(API_KEY)).toEqual({ status: 200, client: 'key:suite' });
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('a client whose budget is spent: 429 RATE_LIMITED, and no replay is free', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN));
    const before = await fastAnswers(s);
    const answers: Answer[] = [];
    for (let i = 0; i < 6; i++) answers.push(await post(s, AREA, CAMDEN, { 'x-api-key': OTHER_KEY }));
    const statuses = answers.map((a) => a.status);
    expect(statuses).toContain(200);
    expect(statuses.at(-1)).toBe(429);
    const refused = JSON.parse(answers.at(-1)!.text);
    expect(refused.errors[0].extensions.code).toBe('RATE_LIMITED');
    // The 200s after the first came from the hit path (the pipeline recorded the first with the suite's key).
    expect((await fastAnswers(s)) - before).toBe(statuses.filter((st) => st === 200).length);
    // Each refusal counted once, by the pipeline that answered it (the fast path's refused charge counted too).
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(/^veo_ratelimit_decisions_total\{result="limited"\} (\d+)/m.exec(metrics)?.[1]).toBe(
      String(statuses.filter((st) => st === 429).length),
    );
  });

  it('a question too expensive for the client (its tier holds less than the price): 400 COST_ESTIMATED_TOO_EXPENSIVE', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, DASHBOARD));
    const refused = await post(s, DASHBOARD, undefined, { 'x-api-key': OTHER_KEY });
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  });

  it('an admin request goes through the pipeline (never cached)', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN, { authorization: 'Bearer not-the-admin-token' }));
    const before = await fastAnswers(s);
    await post(s, AREA, CAMDEN, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(await fastAnswers(s)).toBe(before);
    expect(s.logs.filter((l) => l.event === 'request').at(-1)!.responseCache).toBe(null);
  });

  it('an invalidation: the next request is answered afresh, by the pipeline', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN));
    const dropped = await post(s, 'mutation { invalidateCache(kind: CRIME) { kind } }', undefined, {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(JSON.parse(dropped.text).errors).toBeUndefined();
    const before = await fastAnswers(s);
    const calls = await s.countEngineCalls(() => post(s, AREA, CAMDEN));
    expect(await fastAnswers(s)).toBe(before);
    expect(calls.crime).toBe(1);
    expect(s.logs.filter((l) => l.event === 'request').at(-1)!.responseCache).toBe('miss');
  });

  it('while draining: the pipeline answers (Connection: close)', async () => {
    const s = await server(ENV);
    await primed(s, () => post(s, AREA, CAMDEN));
    s.app.drain.begin();
    const before = await fastAnswers(s);
    const answer = await post(s, AREA, CAMDEN);
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    expect(await fastAnswers(s)).toBe(before);
  });
});

// Found by an outside tester given the README and a running server; kept as tests.
describe('what an outside tester found', () => {
  const areaGet = (s: TestServer, headers: Record<string, string>) =>
    send(s, {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent(AREA)}&variables=${encodeURIComponent(JSON.stringify(CAMDEN))}`,
      headers: { accept: 'application/json', ...headers },
    });

  it('an empty x-api-key or Authorization counts as none, on both paths: a keyed GET is still private', async () => {
    const s = await server(ENV);
    for (const empty of [{ 'x-api-key': '' }, { authorization: '' }] as Record<string, string>[]) {
      await primed(s, () => areaGet(s, empty));
      const anonymous = await areaGet(s, empty);
      expect(anonymous.headers['cache-control']).toMatch(/^public, s-maxage=/);
      const keyed = await areaGet(s, { 'x-api-key': API_KEY });
      expect(keyed.headers['cache-control']).toBe('private, no-store');
      expect(JSON.parse(keyed.text).extensions.cost.throttleStatus).not.toBeNull();
    }
  });

  it('a replay by APQ hash keeps its document registered, as a use through the pipeline does', async () => {
    const s = await server({ ...ENV, APQ_MAX_MB: '1' });
    const query = `query Kept { area(code: "E09000007") { name } }`;
    const hash = createHash('sha256').update(query).digest('hex');
    const byHash = (headers: Record<string, string> = {}) =>
      send(s, {
        method: 'GET',
        path: `/graphql?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }))}`,
        headers: { accept: 'application/json', 'x-api-key': API_KEY, ...headers },
      });
    await post(s, query, undefined, {});
    const register = await send(s, {
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      headers: { ...JSON_HEADERS, 'x-api-key': API_KEY },
    });
    expect(register.status).toBe(200);
    await primed(s, () => byHash());
    // 40 documents of 40 KB registered and used again (2 MB, twice the store), the kept one asked between them.
    for (let i = 0; i < 40; i++) {
      const padded = `query Pad${i} { area(code: "E09000007") { name } } # ${'x'.repeat(40_000)}`;
      const padHash = createHash('sha256').update(padded).digest('hex');
      const extensions = { persistedQuery: { version: 1, sha256Hash: padHash } };
      await send(s, { body: JSON.stringify({ query: padded, extensions }), headers: { ...JSON_HEADERS, 'x-api-key': API_KEY } });
      await send(s, { body: JSON.stringify({ extensions }), headers: { ...JSON_HEADERS, 'x-api-key': API_KEY } });
      expect((await byHash()).status).toBe(200);
    }
    // Asked through the pipeline (a header the fingerprint includes): still registered.
    const piped = await byHash({ 'x-probe': '1' });
    expect(piped.status).toBe(200);
    expect(JSON.parse(piped.text).data.area.name).toBe('Camden');
  });

  it('GET on the GraphQL path with a trailing slash gets the same caching headers', async () => {
    const s = await server(ENV);
    const path = `/graphql/?query=${encodeURIComponent(AREA)}&variables=${encodeURIComponent(JSON.stringify(CAMDEN))}`;
    const keyed = await send(s, { method: 'GET', path, headers: { accept: 'application/json', 'x-api-key': API_KEY } });
    expect(keyed.headers['cache-control']).toBe('private, no-store');
    const anonymous = await send(s, { method: 'GET', path, headers: { accept: 'application/json' } });
    expect(anonymous.headers['cache-control']).toMatch(/^public, s-maxage=/);
  });

  it('a request target or Host that makes no URL: a coded 400 with a request id, never a stack trace', async () => {
    const s = await server(ENV);
    const { port } = new URL(s.url);
    const raw = (head: string) => exchange(s, head);
    // The last URL built is remembered (request-target.ts): a good Host for /health first, then a bad one.
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const query = encodeURIComponent('{ personas { key } }');
    for (const head of [
      'GET /health HTTP/1.1\r\nHost: x:99999\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: a b\r\n\r\n',
      'GET //cdn.example/graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      // A Host carrying a path and query of its own would have run the query it carried (outside tester).
      `GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: 127.0.0.1/graphql?query=${query}#\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1/graphql?query=${query}#\r\n\r\n`,
      'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: user@127.0.0.1\r\n\r\n',
      'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: 127.0.0.1\\x\r\n\r\n',
      // HTTP/1.1 requires Host: Node's own refusal had no body, code or request id.
      'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\n\r\n',
      `GET http://user:pw@127.0.0.1:${port}/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      // An empty authority: the URL parser takes the path's first segment for the host (outside tester).
      `GET http:///127.0.0.1/graphql?query=${query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      `GET http://0x7f.1:${port}/graphql?query=${query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      `GET http://127.0.0.1:${port}/graphql?query=${query} HTTP/1.1\r\n\r\n`,
      'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: a,b\r\n\r\n',
    ]) {
      const answer = await raw(head);
      expect(answer, head).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
      expect(answer).not.toMatch(/TypeError|node_modules|at /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    expect(s.logs.filter((l) => l.event === 'request' && l.status === 400)).toHaveLength(15);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('a request pipelined behind a refused target is neither run nor charged (its connection closes)', async () => {
    const s = await server(ENV);
    const body = JSON.stringify({ query: AREA, variables: CAMDEN });
    const behind = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-api-key: ${OTHER_KEY}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    for (const refused of [
      'GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: a/b\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    ]) {
      const answer = await exchange(s, refused + behind);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.logs.filter((l) => l.event === 'request' && l.status === 200)).toHaveLength(0);
    // The small tier's 10 points a minute are all there: nothing behind the refusals was charged.
    const budget = await post(s, '{ rateLimit { budgets { name remaining } } }', undefined, { 'x-api-key': OTHER_KEY });
    expect(JSON.parse(budget.text).data.rateLimit.budgets[0]).toEqual({ name: 'minute', remaining: 10 });
  });

  it('an absolute-form target is answered as its origin-form (RFC 9112 must accept it), with its authority as the host', async () => {
    const s = await server(ENV);
    const { port } = new URL(s.url);
    const raw = (head: string) => exchange(s, head);
    const query = encodeURIComponent('{ personas { key } }');
    const answer = await raw(
      `GET http://127.0.0.1:${port}/graphql?query=${query} HTTP/1.1\r\nHost: ignored.example\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).data.personas.length).toBeGreaterThan(0);
    expect(s.logs.filter((l) => l.event === 'request').at(-1)).toMatchObject({ path: '/graphql', status: 200 });
  });
});
