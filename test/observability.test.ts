import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { brokenEngine, UNEXPECTED } from './helpers/broken-engine.ts';
import { eventually, type IngestStandIn, ingestStandIn } from './helpers/ingest-stand-in.ts';
import { forwardToEngine } from './helpers/modal-stand-in.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const ADMIN_TOKEN = 'admin-token-never-to-be-seen-0001';
const API_KEY = 'api-key-never-to-be-seen-0002';
const AXIOM_TOKEN = 'xaat-axiom-token-never-to-be-seen-0003';
const PRODUCTION = { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' };

let ingest: IngestStandIn;
let engine: Awaited<ReturnType<typeof brokenEngine>>;
const servers: TestServer[] = [];

beforeAll(async () => {
  ingest = await ingestStandIn();
  engine = await brokenEngine();
});
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});
afterAll(async () => {
  await ingest.close();
  await engine.close();
});

async function server(env: Record<string, string>) {
  const s = await startServer(env);
  servers.push(s);
  return s;
}

// Runs first: no Sentry client may exist yet in this process.
describe('without SENTRY_DSN', () => {
  it('starts no Sentry client, warns about nothing, and still masks and logs the unexpected error', async () => {
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    const s = await server({ ...PRODUCTION, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url });
    const { body } = await s.gql(UNEXPECTED);
    expect(body.errors![0]!.message).toBe('Unexpected error.');
    expect((globalThis as { __SENTRY__?: unknown }).__SENTRY__).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
    // Yoga's report of the masked error is a JSON line of our logger, with the stack for us, not the client.
    const logged = s.logs.find((l) => l.event === 'yoga.error');
    expect(logged?.stack).toMatch(/TypeError: DateTime cannot represent 1000000000000000/);
    vi.restoreAllMocks();
  });
});

describe('Sentry', () => {
  const reported = (requestId: string) => ingest.sentryEvents().find((e) => e.tags?.request_id === requestId);

  it('reports an unexpected error with the operation, the request id, and no credentials', async () => {
    const s = await server({
      ...PRODUCTION,
      ENGINE_MODE: 'modal',
      MODAL_ENDPOINT_URL: engine.url,
      SENTRY_DSN: ingest.sentryDsn,
      ADMIN_TOKEN,
      API_KEYS: `tests:${API_KEY}:standard`,
    });
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-api-key': API_KEY, 'x-request-id': 'req-unexpected-0001' };
    const { status, headers: answered, body } = await s.gql(UNEXPECTED, undefined, headers);

    expect(status).toBe(200);
    expect(answered.get('x-request-id')).toBe('req-unexpected-0001');
    expect(body.data).toEqual({ explanation: null });
    expect(body.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(body)).not.toMatch(/TypeError|cannot represent|\.ts:\d+/);

    const event = await eventually(() => reported('req-unexpected-0001'));
    expect(event.exception!.values[0]).toMatchObject({ type: 'TypeError', value: 'DateTime cannot represent 1000000000000000' });
    expect(event.tags).toMatchObject({ operationName: 'Explain', operation: 'query', request_id: 'req-unexpected-0001' });
    expect(event.environment).toBe('production');

    const sent = ingest
      .sentryEnvelopes()
      .map((e) => e.body)
      .join('\n');
    expect(sent).not.toContain(ADMIN_TOKEN);
    expect(sent).not.toContain(API_KEY);
    // The event carries the request it came from, with the credentials in its headers blanked out.
    expect(event.request).toMatchObject({ method: 'POST', url: `${s.url}/graphql` });
    expect(event.request!.headers).toMatchObject({
      authorization: '[Filtered]',
      'x-api-key': '[Filtered]',
      'x-request-id': 'req-unexpected-0001',
    });
  });

  it("reports graphql-jit's own errors on every run of a document, not only its first (graphql-js's)", async () => {
    // An engine whose ranks are past Int's 32 bits, a new value each time (Sentry drops a repeated event).
    let next = 9_999_999_990;
    const wide = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      await forwardToEngine(req, body, res, (text) => text.replace(/"rank":\s*\d+/g, () => `"rank":${next++}`));
    });
    await new Promise<void>((resolve) => wide.listen(0, '127.0.0.1', resolve));
    try {
      const s = await server({
        ...PRODUCTION,
        ENGINE_MODE: 'modal',
        MODAL_ENDPOINT_URL: `http://127.0.0.1:${(wide.address() as AddressInfo).port}`,
        SENTRY_DSN: ingest.sentryDsn,
        RESPONSE_CACHE: 'off',
      });
      const query = `query Rank { area(code: "E09000007") { safety { rank } } }`;
      for (let i = 0; i < 4; i += 1) {
        // The memory tier is emptied so each run asks the engine (and gets a new value).
        s.app.cache.memory.clear();
        const requestId = `req-jit-wide-rank-${i}`;
        const { body } = await s.gql(query, undefined, { 'x-request-id': requestId });
        expect(body.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
        const event = await eventually(() => reported(requestId));
        expect(event.exception!.values[0]!.value).toMatch(/^Int cannot represent non 32-bit signed integer value: 99999999\d\d$/);
      }
    } finally {
      wide.closeAllConnections();
      await new Promise((resolve) => wide.close(resolve));
    }
  });

  it('does not report expected errors: bad input, not found, upstream unavailable', async () => {
    const s = await server({ ...PRODUCTION, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url, SENTRY_DSN: ingest.sentryDsn });
    const bad = await s.gql(`{ area(code: "nope") { name } }`, undefined, { 'x-request-id': 'req-bad-input-0001' });
    expect(bad.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const down = await startServer({ ...PRODUCTION, LOCAL_ENGINE_URL: 'http://127.0.0.1:9', SENTRY_DSN: ingest.sentryDsn });
    servers.push(down);
    const unavailable = await down.gql(`{ station(code: "145") { name } }`, undefined, { 'x-request-id': 'req-unavailable-01' });
    expect(unavailable.body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');

    // Events arrive in order: once a later unexpected error has arrived, the expected ones would have too.
    await s.gql(UNEXPECTED, undefined, { 'x-request-id': 'req-barrier-00001' });
    await eventually(() => reported('req-barrier-00001'));
    expect(reported('req-bad-input-0001')).toBeUndefined();
    expect(reported('req-unavailable-01')).toBeUndefined();
  });
});

describe('the request log', () => {
  it('writes one line per request with id, operation, client, cost, duration, cache, engine calls and outcome', async () => {
    const s = await server({});
    const ok = await s.gql(`query TwoAreas { areas(first: 2) { nodes { code safety { rank } } } }`, undefined, {
      'x-request-id': 'req-log-ok-00001',
    });
    const bad = await s.gql(`query Bad { area(code: "nope") { name } }`);
    const unparsable = await s.gql(`{ area(`);

    const lines = s.logs.filter((l) => l.event === 'request');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      requestId: 'req-log-ok-00001',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'TwoAreas',
      operationType: 'query',
      client: 'ip:127.0.0.1',
      cacheMisses: 3,
      engineCalls: 2,
      outcome: 'ok',
      errorCodes: [],
    });
    expect(lines[0]!.cost).toMatchObject({ requested: expect.any(Number), actual: expect.any(Number) });
    expect(lines[0]!.durationMs).toBeGreaterThan(0);
    expect(lines[1]).toMatchObject({ operationName: 'Bad', outcome: 'errors', errorCodes: ['BAD_USER_INPUT'], engineCalls: 0 });
    expect(lines[2]).toMatchObject({ status: 400, outcome: 'errors', errorCodes: ['GRAPHQL_PARSE_FAILED'], operationType: null });
    // Each answer carries its id: the one sent when it was sane, a new one otherwise.
    expect(bad.headers.get('x-request-id')).toBe(lines[1]!.requestId);
    expect(unparsable.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers.get('x-request-id')).toBe('req-log-ok-00001');
  });

  it('replaces an incoming x-request-id that is not a sane id', async () => {
    const s = await server({});
    const { headers } = await s.gql(`{ __typename }`, undefined, { 'x-request-id': 'bad id\twith spaces' });
    expect(headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ships the lines to Axiom in batches and flushes them on close', async () => {
    const dataset = 'veo-batched';
    const s = await server({ AXIOM_TOKEN, AXIOM_DATASET: dataset, AXIOM_URL: ingest.url });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { headers } = await s.gql(`query Ping${i} { personas { id } }`);
      ids.push(headers.get('x-request-id')!);
    }
    await s.close();
    servers.splice(servers.indexOf(s), 1);

    const lines = ingest.axiomLines(dataset).filter((l) => l.event === 'request');
    expect(lines.map((l) => l.requestId)).toEqual(ids);
    expect(lines[4]).toMatchObject({ operationName: 'Ping4', outcome: 'ok', status: 200, client: 'ip:127.0.0.1' });
    expect(lines[4]!._time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const posts = ingest.axiomPosts(dataset);
    expect(posts.length).toBeLessThan(lines.length);
    expect(posts[0]!.headers.authorization).toBe(`Bearer ${AXIOM_TOKEN}`);
    expect(posts[0]!.headers['content-type']).toBe('application/x-ndjson');
  });

  it('never puts a secret in a log line, on stdout or in Axiom', async () => {
    const dataset = 'veo-secrets';
    const s = await server({
      AXIOM_TOKEN,
      AXIOM_DATASET: dataset,
      AXIOM_URL: ingest.url,
      ADMIN_TOKEN,
      API_KEYS: `tests:${API_KEY}:standard`,
      SENTRY_DSN: ingest.sentryDsn,
      // An Upstash that is not there: its failures are logged, its token must not be.
      UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
      UPSTASH_REDIS_REST_TOKEN: 'upstash-token-never-to-be-seen-04',
    });
    await s.gql(`{ area(code: "E09000007") { name } }`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-api-key': API_KEY });
    await s.gql(`mutation { invalidateCache(kind: AREA) { version } }`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    await s.gql(`{ area(code: "E09000007") { name } }`, undefined, { 'x-api-key': `${API_KEY}-wrong` });
    await s.close();
    servers.splice(servers.indexOf(s), 1);

    const written = JSON.stringify(s.logs) + JSON.stringify(ingest.axiomLines(dataset));
    expect(s.logs.some((l) => l.event === 'cache.redis.failed')).toBe(true);
    for (const secret of [ADMIN_TOKEN, API_KEY, AXIOM_TOKEN, 'upstash-token-never-to-be-seen-04']) expect(written).not.toContain(secret);
  });
});
