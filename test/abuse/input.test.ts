import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

// Bad input at the HTTP and JSON level: deep or huge variables, bodies that are not JSON, clients that send
// slowly. Each is refused fast with a coded error, none answer carries an internal error, and the server
// still serves.

const MAX_BODY_BYTES = 100_000;
const MAX_VARIABLES_BYTES = 50_000;
const REQUEST_TIMEOUT_MS = 1_500;
const HEADERS_TIMEOUT_MS = 1_000;
// Marks of an internal error: its object, its stack, the JSON parser's own words.
const INTERNALS = [
  /originalError/,
  /"stack"/,
  /\n\s+at /,
  /SyntaxError/,
  /" is not valid JSON/,
  /Unexpected (token|end of JSON)/,
  /at position \d/,
  /Maximum call stack/,
];

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const json = { 'content-type': 'application/json', accept: 'application/graphql-response+json', origin: ORIGIN };

interface Raw {
  status: number;
  text: string;
  body: any;
  ms: number;
}

/** A request with a body sent as it is (no JSON.stringify of a deep value, which would overflow here). */
async function send(url: string, init: RequestInit & { path?: string }): Promise<Raw> {
  const started = performance.now();
  const response = await fetch(`${url}${init.path ?? '/graphql'}`, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, text, body, ms: performance.now() - started };
}

function expectCodedRefusal(answer: Raw, status: number, code: string, limit?: string) {
  expect(answer.status).toBe(status);
  expect(answer.ms).toBeLessThan(2_000);
  expect(answer.body?.errors?.[0]?.extensions?.code).toBe(code);
  if (limit) expect(answer.body.errors[0].extensions.limit).toBe(limit);
  for (const pattern of INTERNALS) expect(answer.text).not.toMatch(pattern);
}

/** Sends `head`, then one byte of `trickle` a second; resolves when the server closes the connection. */
function slowClient(url: string, head: string, trickle: string) {
  const { port } = new URL(url);
  const started = performance.now();
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  socket.write(head);
  let sent = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(trickle[sent++ % trickle.length]!);
  }, 1_000);
  return new Promise<{ closedAfterMs: number; received: string }>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: performance.now() - started, received });
    });
  });
}

describe('bad input against the production server', () => {
  let server: ProductionServer;
  const figures: string[] = [];

  beforeAll(async () => {
    server = await startProductionServer({
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      EXPLAIN_DELAY_MS: '2500',
    });
    expect((await stillServes(server)).ok).toBe(true);
  });
  afterAll(async () => {
    console.info(`input: ${figures.join('; ')}`);
    await server?.stop();
  });

  async function servesAfter() {
    const after = await stillServes(server);
    expect(after.ok).toBe(true);
    expect(after.ms).toBeLessThan(1_000);
  }

  it('variables nested 10,000 deep (POST): 400 variablesDepth, before anything walks them', async () => {
    for (const [label, body] of [
      ['declared', `{"query":"query ($v: String) { __typename }","variables":{"v":${nested(10_000)}}}`],
      ['undeclared', `{"query":"{ __typename }","variables":{"v":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}`],
    ] as const) {
      const answer = await send(server.url, { method: 'POST', headers: json, body });
      figures.push(`10,000-deep variables (${label}) ${answer.status} in ${answer.ms.toFixed(0)} ms`);
      expectCodedRefusal(answer, 400, 'BAD_REQUEST', 'variablesDepth');
    }
    const extensions = await send(server.url, {
      method: 'POST',
      headers: json,
      body: `{"query":"{ __typename }","extensions":{"e":${nested(10_000)}}}`,
    });
    expectCodedRefusal(extensions, 400, 'BAD_REQUEST', 'extensionsDepth');
    // Nothing reached error reporting: the refusal is an answer, not a failure.
    expect(server.logs.filter((l) => l.event === 'yoga.error')).toEqual([]);
    await servesAfter();
  });

  it("deep variables in a GET query string: 400 variablesDepth, or 431 when the URL is over Node's header limit", async () => {
    // Brackets stay as they are in a URL's query, so 7,000 levels fit in Node's 16 KB of headers.
    const deep = await send(server.url, {
      path: `/graphql?query=${encodeURIComponent('{ __typename }')}&variables={"v":${nested(7_000)}}`,
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1', origin: ORIGIN },
    });
    figures.push(`7,000-deep GET variables ${deep.status} in ${deep.ms.toFixed(0)} ms`);
    expectCodedRefusal(deep, 400, 'BAD_REQUEST', 'variablesDepth');
    const deepExtensions = await send(server.url, {
      path: `/graphql?query=${encodeURIComponent('{ __typename }')}&extensions={"e":${nested(7_000)}}`,
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1', origin: ORIGIN },
    });
    expectCodedRefusal(deepExtensions, 400, 'BAD_REQUEST', 'extensionsDepth');
    const tooLong = await send(server.url, {
      path: `/graphql?query=${encodeURIComponent('{ __typename }')}&variables={"v":${nested(10_000)}}`,
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1', origin: ORIGIN },
    });
    expectCodedRefusal(tooLong, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    await servesAfter();
  });

  it('large variables: over MAX_BODY_BYTES 413 first; a body under it whose variables are over MAX_VARIABLES_BYTES 400', async () => {
    const withVariables = (bytes: number) =>
      JSON.stringify({ query: 'query ($v: String) { __typename }', variables: { v: 'x'.repeat(bytes) } });
    // 1 MB, not 5: the 413 comes from Content-Length before the body is read, and a client still writing
    // megabytes when the connection closes may see the reset before the answer.
    const over = await send(server.url, { method: 'POST', headers: json, body: withVariables(1_000_000) });
    figures.push(`1 MB of variables ${over.status} in ${over.ms.toFixed(0)} ms`);
    expectCodedRefusal(over, 413, 'REQUEST_ENTITY_TOO_LARGE');

    const underBody = withVariables(MAX_BODY_BYTES - 200);
    expect(underBody.length).toBeLessThan(MAX_BODY_BYTES);
    expectCodedRefusal(await send(server.url, { method: 'POST', headers: json, body: underBody }), 400, 'BAD_REQUEST', 'variablesBytes');
    // The bound is the variables' JSON size: just under it runs (the variable is unused, so validation
    // refuses it, with its own code), just over it is refused before.
    const size = (bytes: number) => JSON.stringify({ v: 'x'.repeat(bytes) }).length;
    const fits = MAX_VARIABLES_BYTES - size(0);
    expect(size(fits)).toBe(MAX_VARIABLES_BYTES);
    const atLimit = await send(server.url, { method: 'POST', headers: json, body: withVariables(fits) });
    expect(atLimit.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expectCodedRefusal(
      await send(server.url, { method: 'POST', headers: json, body: withVariables(fits + 1) }),
      400,
      'BAD_REQUEST',
      'variablesBytes',
    );
    await servesAfter();
  });

  it('bodies that are not JSON, and malformed JSON in GET variables and extensions: 400 BAD_REQUEST, nothing of the parser echoed', async () => {
    for (const body of [
      '{"query": "{ __typename }",',
      'hello',
      '{"query":',
      '\u0000\u0001',
      `{"query":"{ __typename }","variables":${nested(10)}`,
    ]) {
      for (const accept of ['application/graphql-response+json', 'application/json']) {
        expectCodedRefusal(await send(server.url, { method: 'POST', headers: { ...json, accept }, body }), 400, 'BAD_REQUEST');
      }
    }
    for (const param of ['variables', 'extensions']) {
      const answer = await send(server.url, {
        path: `/graphql?query=${encodeURIComponent('{ __typename }')}&${param}=${encodeURIComponent('{"v":')}`,
        headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1', origin: ORIGIN },
      });
      expectCodedRefusal(answer, 400, 'BAD_REQUEST');
    }
    await servesAfter();
  });

  it(`a slow body (headers, then a byte a second) is closed at HTTP_REQUEST_TIMEOUT_MS (${REQUEST_TIMEOUT_MS} ms) with a coded 408`, async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { v: 'x'.repeat(900) } });
    const { closedAfterMs, received } = await slowClient(
      server.url,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nOrigin: ${ORIGIN}\r\nX-Request-Id: slow-body-0001\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
    figures.push(`slow body closed after ${closedAfterMs.toFixed(0)} ms`);
    expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(closedAfterMs).toBeLessThan(2_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    // Every answer has a request id to quote, Node's own refusals included: here the one the client sent.
    expect(received).toMatch(/\r\nx-request-id: slow-body-0001\r\n/);
    expect(JSON.parse(received.split('\r\n\r\n')[1]!).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
    // A chunked body (no Content-Length: Yoga reads it) the same way, without an id of the client's.
    const chunked = await slowClient(
      server.url,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nOrigin: ${ORIGIN}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`,
      body,
    );
    expect(chunked.received).toMatch(/^HTTP\/1\.1 408 /);
    const chunkedId = /\r\nx-request-id: ([0-9a-f-]{36})\r\n/.exec(chunked.received)?.[1];
    // The log lines say what the clients got: 408 under the id each was given.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const requestId of ['slow-body-0001', chunkedId]) {
      expect(server.logs.filter((l) => l.event === 'request' && l.requestId === requestId)).toEqual([
        expect.objectContaining({ status: 408, errorCodes: ['REQUEST_TIMEOUT'], durationMs: expect.any(Number) }),
      ]);
    }
    await servesAfter();
  });

  it(`slow headers are closed at HTTP_HEADERS_TIMEOUT_MS (${HEADERS_TIMEOUT_MS} ms) with a coded 408`, async () => {
    const { closedAfterMs, received } = await slowClient(server.url, 'GET /graphql HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n');
    figures.push(`slow headers closed after ${closedAfterMs.toFixed(0)} ms`);
    expect(closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 500);
    expect(JSON.parse(received.split('\r\n\r\n')[1]!).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
    await servesAfter();
  });

  it('the request timeout does not cut answers that stream for longer: an SSE subscription and a @defer answer', async () => {
    const { body } = await server.gql(
      'mutation { requestExplanation(areaCode: "E09000007", persona: STUDENT, context: { budget: 740, locationType: RENT, size: ROOM }) { id } }',
    );
    const started = performance.now();
    const [subscription, deferred] = await Promise.all([
      send(server.url, {
        method: 'POST',
        headers: { ...json, accept: 'text/event-stream' },
        body: JSON.stringify({
          query: 'subscription ($id: ID!) { explanationUpdated(id: $id) { status } }',
          variables: { id: body.data.requestExplanation.id },
        }),
      }),
      send(server.url, {
        method: 'POST',
        headers: { ...json, accept: 'multipart/mixed' },
        body: JSON.stringify({
          query:
            '{ recommendations(input: { persona: PARENT, budget: 1500, locationType: RENT, limit: 2 }) { results { rank ... @defer { explanation { status } } } } }',
        }),
      }),
    ]);
    // Both outlived the request timeout, and ended as their protocols say.
    expect(performance.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
    expect(subscription.text).toMatch(/"status":"READY"[\s\S]*event: complete\ndata:\s*\n\n$/);
    expect(deferred.text).toMatch(/"status":"READY"[\s\S]*\r\n-----\r\n$/);
  });
});

describe('large variables when MAX_BODY_BYTES lets them in', () => {
  let server: ProductionServer;
  beforeAll(async () => {
    server = await startProductionServer({ MAX_BODY_BYTES: '6000000' });
  });
  afterAll(() => server?.stop());

  it('5 MB of variables: 400 variablesBytes within 2 s, and the server still serves', async () => {
    const body = JSON.stringify({ query: 'query ($v: String) { __typename }', variables: { v: 'x'.repeat(5_000_000) } });
    const answer = await send(server.url, { method: 'POST', headers: json, body });
    console.info(`input: 5 MB of variables under a 6 MB body limit ${answer.status} in ${answer.ms.toFixed(0)} ms`);
    expectCodedRefusal(answer, 400, 'BAD_REQUEST', 'variablesBytes');
    const after = await stillServes(server);
    expect(after.ok).toBe(true);
    expect(after.ms).toBeLessThan(1_000);
  });
});
