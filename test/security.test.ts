import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AreaDetailDocument, FindStationDocument } from '../operations/generated/graphql.ts';
import { schema } from '../src/schema/index.ts';
import { brokenEngine, UNEXPECTED } from './helpers/broken-engine.ts';
import { serversPerTest, startServer, type TestServer } from './helpers/server.ts';

const PRODUCTION = { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com,https://admin.example.com' };
const ADMIN_TOKEN = 'admin-token-for-trusted-documents';
const CSRF = { 'x-graphql-yoga-csrf': '1' };

const server = serversPerTest();

const post = (s: TestServer, body: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** Asserts the document was refused before execution: its code, no data, no engine call, never executed. */
async function refusedBeforeExecution(s: TestServer, query: string, limit: string) {
  let answer!: Awaited<ReturnType<TestServer['gql']>>;
  const calls = await s.countEngineCalls(async () => {
    answer = await s.gql(query);
  });
  expect(answer.status).toBe(400);
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors!.map((e) => e.extensions)).toContainEqual(expect.objectContaining({ code: 'QUERY_TOO_COMPLEX', limit }));
  expect(calls).toEqual({});
  const line = s.logs.filter((l) => l.event === 'request').at(-1)!;
  // onExecute never ran: no operation type was recorded, no resolver asked for anything.
  expect(line).toMatchObject({ operationType: null, engineCalls: 0, cacheMisses: 0 });
}

describe('limits before execution', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('refuses a query deeper than MAX_DEPTH (8), fragments included', async () => {
    const deep = `{ area(code: "E09000007") { transport { nearestStation { station { area { transport { nearestStation { station { area { name } } } } } } } } } }`;
    await refusedBeforeExecution(s, deep, 'depth');
    const viaFragments = `query { station(code: "145") { ...A } } fragment A on Station { area { transport { stations { area { transport { stations { area { transport { ptal } } } } } } } } }`;
    await refusedBeforeExecution(s, viaFragments, 'depth');
    const { body } = await s.gql(`{ area(code: "E09000007") { transport { nearestStation { station { area { name } } } } } }`);
    expect(body.errors).toBeUndefined();
  });

  it('refuses an alias bomb', async () => {
    const bomb = `{ ${Array.from({ length: 50 }, (_, i) => `a${i}: area(code: "E09000007") { name }`).join(' ')} }`;
    await refusedBeforeExecution(s, bomb, 'aliases');
  });

  it('refuses too many directives and too many tokens', async () => {
    const directives = `{ ${Array.from({ length: 12 }, (_, i) => `f${i}: __typename @include(if: true)`).join(' ')} }`;
    await refusedBeforeExecution(s, directives, 'directives');
    const tokens = `{ area(code: "E09000007") { ${'name '.repeat(1200)} } }`;
    await refusedBeforeExecution(s, tokens, 'tokens');
  });

  it('answers 413 to a body over MAX_BODY_BYTES, with or without Content-Length, before parsing it', async () => {
    const big = JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(150_000) } });
    const sized = await post(s, big);
    expect(sized.status).toBe(413);
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i += 1) controller.enqueue(new TextEncoder().encode(big.slice(i * 8_000, (i + 1) * 8_000)));
        controller.close();
      },
    });
    const streamed = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // The refused body's bytes must not stall the next requests of this keep-alive client.
    expect(streamed.headers.get('connection')).toBe('close');
    const started = performance.now();
    for (let i = 0; i < 4; i += 1) expect((await post(s, JSON.stringify({ query: `{ __typename }` }))).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    // A body just under the limit is read whole (its variables are within MAX_VARIABLES_BYTES).
    expect(
      (
        await post(
          s,
          JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(45_000) }, extensions: { pad: 'y'.repeat(45_000) } }),
        )
      ).status,
    ).toBe(200);
  });

  it('refuses a batch: one operation per request', async () => {
    const response = await post(s, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('Batching is not supported');
  });
});

describe('per environment', () => {
  it('production: introspection, suggestions and GraphiQL off, unexpected errors masked', async () => {
    const engine = await brokenEngine();
    try {
      const s = await server({ ...PRODUCTION, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url });
      const introspection = await s.gql(`{ __schema { types { name } } }`);
      expect(introspection.status).toBe(400);
      expect(introspection.body.errors![0]!.message).toMatch(/introspection/i);
      expect((await s.gql(`{ __type(name: "Area") { name } }`)).status).toBe(400);
      expect((await s.gql(`{ __typename }`)).body.data).toEqual({ __typename: 'Query' });

      const typo = await s.gql(`{ area(code: "E09000007") { nam } }`);
      expect(typo.body.errors![0]!.message).toContain('Cannot query field "nam"');
      expect(typo.body.errors![0]!.message).not.toMatch(/Did you mean|"name"/);
      const enumTypo = await s.gql(
        `query ($p: PersonaId!) { recommendations(input: { persona: $p, budget: 900, locationType: RENT }) { total } }`,
        { p: 'STUDNT' },
      );
      expect(enumTypo.body.errors![0]!.message).not.toMatch(/Did you mean|STUDENT/);

      const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type') ?? '').not.toContain('text/html');

      const masked = await s.gql(UNEXPECTED);
      expect(masked.body.errors![0]).toEqual({
        message: 'Unexpected error.',
        locations: expect.any(Array),
        path: ['explanation', 'createdAt'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    } finally {
      await engine.close();
    }
  });

  it('development: introspection, suggestions and GraphiQL on', async () => {
    const s = await server({ NODE_ENV: 'development' });
    expect((await s.gql(`{ __schema { queryType { name } } }`)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await s.gql(`{ area(code: "E09000007") { nam } }`)).body.errors![0]!.message).toContain('Did you mean "name"?');
    const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('no answer echoes an internal error object, in development as in production', async () => {
    const engine = await brokenEngine();
    try {
      for (const NODE_ENV of ['development', 'production']) {
        const s = await server({ ...PRODUCTION, NODE_ENV, ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url });
        const unexpected = await s.gql(UNEXPECTED);
        expect(unexpected.body.errors![0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
        expect(JSON.stringify(unexpected.body)).not.toMatch(/originalError|stack|TypeError|cannot represent/);
        // The JSON parser's own error stays in the server: the client is told what is wrong, in our words.
        for (const accept of ['application/json', 'application/graphql-response+json']) {
          const notJson = await post(s, '{"query": "{ __typename }",', { accept });
          expect(notJson.status).toBe(400);
          expect(await notJson.json()).toEqual({
            errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
          });
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('GRAPHIQL and INTROSPECTION switch them whatever the environment', async () => {
    const s = await server({ ...PRODUCTION, GRAPHIQL: 'true', INTROSPECTION: 'true' });
    expect((await s.gql(`{ __schema { queryType { name } } }`)).status).toBe(200);
    const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    const dev = await server({ NODE_ENV: 'development', INTROSPECTION: 'false' });
    expect((await dev.gql(`{ __schema { queryType { name } } }`)).status).toBe(400);
  });
});

describe('CORS', () => {
  const preflight = (s: TestServer, origin: string) =>
    fetch(`${s.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
    });

  it('allows the configured origins and exposes the rate-limit headers and the request id', async () => {
    const s = await server(PRODUCTION);
    const allowed = await preflight(s, 'https://admin.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type,x-api-key');
    // Its headers depend on the Origin: a cache in between must know (found by an outside tester).
    expect(allowed.headers.get('vary')).toMatch(/\bOrigin\b/);
    const answer = await post(s, JSON.stringify({ query: '{ __typename }' }), { origin: 'https://app.example.com' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const exposed = answer.headers.get('access-control-expose-headers')!.split(', ');
    for (const name of [
      'RateLimit',
      'RateLimit-Policy',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
      'x-request-id',
    ]) {
      expect(exposed).toContain(name);
    }
  });

  it('refuses other origins: no CORS headers on the preflight, 403 before anything runs', async () => {
    const s = await server(PRODUCTION);
    const refused = await preflight(s, 'https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('vary')).toMatch(/\bOrigin\b/);
    let answer!: Response;
    const calls = await s.countEngineCalls(async () => {
      answer = await post(s, JSON.stringify({ query: '{ area(code: "E09000007") { name } }' }), { origin: 'https://evil.example' });
    });
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN_ORIGIN' } }] });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(calls).toEqual({});
  });

  it('in development without CORS_ORIGINS allows localhost origins only', async () => {
    const s = await server({ NODE_ENV: 'development' });
    expect((await preflight(s, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((await preflight(s, 'http://127.0.0.1:3000')).headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect((await post(s, JSON.stringify({ query: '{ __typename }' }), { origin: 'http://localhost.evil.example' })).status).toBe(403);
  });

  it('lets GraphiQL call the server from its own origin, where it serves GraphiQL', async () => {
    const s = await server({ ...PRODUCTION, GRAPHIQL: 'true' });
    const answer = await post(s, JSON.stringify({ query: '{ __typename }' }), { origin: s.url });
    expect(answer.status).toBe(200);
  });

  it('without GraphiQL, its own origin is not allowed: a page rebound to its address (DNS rebinding) passes for nothing', async () => {
    // Found by an outside tester: `Host: evil.example` with `Origin: http://evil.example` was taken as the server's own.
    const s = await server({ ...PRODUCTION, GRAPHIQL: 'false' });
    const answer = await post(s, JSON.stringify({ query: '{ __typename }' }), { origin: s.url });
    expect(answer.status).toBe(403);
    expect((await answer.json()).errors[0].extensions.code).toBe('FORBIDDEN_ORIGIN');
  });
});

describe('CSRF', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ ...PRODUCTION, EXPLANATION_POLL_MS: '20' });
  });
  afterAll(() => s.close());
  const get = (headers: Record<string, string> = {}, query = '{ area(code: "E09000007") { name } }') =>
    fetch(`${s.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { accept: 'application/json', ...headers } });
  /** What the browser says about a request it sends (Fetch Metadata); a page cannot set these itself. */
  const fetchedBy = (site: string, mode: string) => ({ 'sec-fetch-site': site, 'sec-fetch-mode': mode });
  /** A GET with exactly these headers: Node's fetch would write its own `sec-fetch-mode: cors` over ours. */
  const rawGet = (headers: Record<string, string>, query: string) =>
    new Promise<Response>((resolve, reject) => {
      const url = `${s.url}/graphql?query=${encodeURIComponent(query)}`;
      request(url, { headers: { accept: 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: res.headers as Record<string, string> })),
        );
      })
        .on('error', reject)
        .end();
    });
  const refusedAsCsrf = async (response: Response, namesHeader = true) => {
    expect(response.status).toBe(403);
    const { errors } = await response.json();
    expect(errors[0].extensions.code).toBe('CSRF_HEADER_REQUIRED');
    // The message names the one header to add, where adding it makes the request run.
    if (namesHeader) expect(errors[0].message).toContain('x-graphql-yoga-csrf: 1');
    else expect(errors[0].message).not.toContain('x-graphql-yoga-csrf');
  };

  it("runs a GET without a CSRF header: urql's default, a page's own fetch, a CORS fetch from an allowed origin", async () => {
    const urql = 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';
    const senders: Record<string, string>[] = [
      { accept: urql },
      fetchedBy('same-origin', 'cors'),
      { ...fetchedBy('cross-site', 'cors'), origin: 'https://app.example.com' },
      // Typed into the address bar.
      fetchedBy('none', 'navigate'),
      CSRF,
    ];
    for (const headers of senders) {
      const response = await get(headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect((await response.json()).data).toEqual({ area: { name: 'Camden' } });
    }
  });

  it('refuses, uncharged and before anything runs, a GET a page on another site made a browser send without CORS', async () => {
    for (const headers of [fetchedBy('cross-site', 'no-cors'), fetchedBy('cross-site', 'navigate'), fetchedBy('same-site', 'no-cors')]) {
      let response!: Response;
      const calls = await s.countEngineCalls(async () => {
        response = await rawGet(headers, '{ area(code: "E09000009") { name } }');
      });
      await refusedAsCsrf(response);
      expect(calls).toEqual({});
      expect(response.headers.get('x-ratelimit-remaining')).toBeNull();
    }
    // The CSRF header, which such a page cannot add, lets the same request through.
    expect((await rawGet({ ...fetchedBy('cross-site', 'no-cors'), ...CSRF }, '{ __typename }')).status).toBe(200);
    // A page from another site that asks with CORS sends its Origin, which must be allowed.
    const foreign = await get({ ...fetchedBy('cross-site', 'cors'), origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).errors[0].extensions.code).toBe('FORBIDDEN_ORIGIN');
  });

  it('refuses the POST bodies a form can send, naming the header', async () => {
    const form = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B__typename%7D',
    });
    await refusedAsCsrf(form);
    const text = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ __typename }"}',
    });
    // A text/plain body is not read even with the header, so the message asks for JSON alone.
    await refusedAsCsrf(text, false);
    const withHeader = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...CSRF },
      body: 'query=%7B__typename%7D',
    });
    expect(withHeader.status).toBe(200);
    expect((await post(s, JSON.stringify({ query: '{ __typename }' }))).status).toBe(200);
  });

  it('an unreadable content type (415) and an Accept it cannot serve (406) are coded, not empty', async () => {
    const unread = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...CSRF },
      body: '{"query":"{ __typename }"}',
    });
    expect(unread.status).toBe(415);
    expect((await unread.json()).errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // A compressed body is not read either: 415 naming the coding that is, not "invalid JSON".
    const gzipped = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"query":"{ __typename }"}'),
    });
    expect(gzipped.status).toBe(415);
    expect(gzipped.headers.get('accept-encoding')).toBe('identity');
    expect((await gzipped.json()).errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    for (const coding of ['identity', 'identity, identity', '']) {
      const plain = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': coding },
        body: '{"query":"{ __typename }"}',
      });
      expect(plain.status, coding).toBe(200);
    }
    const xml = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/xml' },
      body: '{"query":"{ __typename }"}',
    });
    expect(xml.status).toBe(406);
    expect((await xml.json()).errors[0]).toMatchObject({ extensions: { code: 'NOT_ACCEPTABLE' } });
    expect((await post(s, JSON.stringify({ query: '{ __typename }' }))).status).toBe(200);
  });

  it('a GET never starts an explanation job, and reads one already started: the rest of the query is served', async () => {
    const ask = '{ area(code: "E09000019") { name explanation(persona: PARENT, context: { budget: 2345 }) { id status } } }';
    const BUDGETS = '{ rateLimit { budgets { name remaining } } }';
    const explanationsLeft = async () =>
      (await s.gql(BUDGETS)).body.data!.rateLimit.budgets.find((b: { name: string }) => b.name === 'explanations').remaining;
    const before = await explanationsLeft();
    let refused!: Response;
    // With the CSRF header too: it is the method that decides, not who sent it.
    const calls = await s.countEngineCalls(async () => {
      refused = await get(CSRF, ask);
    });
    expect(refused.status).toBe(200);
    const body = await refused.json();
    expect(body.data).toEqual({ area: { name: 'Islington', explanation: null } });
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({ path: ['area', 'explanation'], extensions: { code: 'POST_REQUIRED' } });
    expect(body.errors[0].message).toContain('preferGetMethod: false');
    expect(calls.explanations).toBeUndefined();
    expect(await explanationsLeft()).toBe(before);

    // A POST starts it (and pays); then a GET reads it, for nothing more.
    const started = await s.gql(ask);
    expect(started.body.data!.area.explanation.status).toMatch(/PENDING|READY/);
    expect(await explanationsLeft()).toBe(before - 1);
    const read = await (await get({}, ask)).json();
    expect(read.errors).toBeUndefined();
    expect(read.data.area.explanation.id).toBe(started.body.data!.area.explanation.id);
    expect(await explanationsLeft()).toBe(before - 1);
  });

  it("GraphiQL's subscriptions and a bare EventSource: a GET of text/event-stream, no CSRF header", async () => {
    const { body } = await s.gql(`mutation { requestExplanation(areaCode: "E09000012", persona: STUDENT) { id } }`);
    const subscription = `subscription ($id: ID!) { explanationUpdated(id: $id) { status } }`;
    const variables = encodeURIComponent(JSON.stringify({ id: body.data!.requestExplanation.id }));
    const response = await fetch(`${s.url}/graphql?query=${encodeURIComponent(subscription)}&variables=${variables}`, {
      headers: { accept: 'text/event-stream', ...fetchedBy('same-origin', 'cors') },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text(); // ends when the job is READY
    expect(text).toContain('"status":"READY"');
    expect(text).toContain('event: complete');
  });

  it('answers 400, not 500, to GET variables that are not JSON', async () => {
    const response = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ __typename }')}&variables=%7Bnope`, { headers: CSRF });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('not valid JSON');
  });
});

describe('trusted documents', () => {
  const hash = (document: unknown) => (document as { __meta__: { hash: string } }).__meta__.hash;
  const findStation = { documentId: hash(FindStationDocument), variables: { search: 'bank' } };

  it('TRUSTED_DOCUMENTS=on runs only operations of the generated manifest, by id', async () => {
    const s = await server({ ...PRODUCTION, TRUSTED_DOCUMENTS: 'on', ADMIN_TOKEN });
    const byDocumentId = await (await post(s, JSON.stringify(findStation))).json();
    expect(byDocumentId.data.stations[0].name).toMatch(/Bank/);

    const apolloStyle = await post(
      s,
      JSON.stringify({
        variables: { code: 'E09000012', to: '145' },
        extensions: { persistedQuery: { version: 1, sha256Hash: hash(AreaDetailDocument).replace('sha256:', '') } },
      }),
    );
    expect((await apolloStyle.json()).data.area.name).toBe('Hackney');

    const viaGet = await fetch(
      `${s.url}/graphql?documentId=${encodeURIComponent(findStation.documentId)}&variables=${encodeURIComponent('{"search":"oval"}')}`,
      { headers: CSRF },
    );
    expect((await viaGet.json()).data.stations[0].name).toBe('Oval');

    let arbitrary!: Awaited<ReturnType<TestServer['gql']>>;
    const calls = await s.countEngineCalls(async () => {
      arbitrary = await s.gql(`{ stations(search: "bank") { name } }`);
    });
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_ONLY');
    expect(calls).toEqual({});

    const unknown = await (await post(s, JSON.stringify({ documentId: `sha256:${'0'.repeat(64)}` }))).json();
    expect(unknown.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const missing = await (await post(s, JSON.stringify({ variables: {} }))).json();
    expect(missing.errors[0].extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');

    // The admin token may still send a document (the warming cron, an operator).
    const admin = await s.gql(`{ stations(search: "bank") { name } }`, undefined, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(admin.body.errors).toBeUndefined();
  });

  it('the manifest holds every operation of operations/, each valid against the schema (run `npm run codegen` after changing them)', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../operations/generated/persisted-documents.json', import.meta.url), 'utf8'),
    ) as Record<string, string>;
    const named = (source: string) => [...source.matchAll(/^(?:query|mutation|subscription)\s+(\w+)/gm)].map((m) => m[1]);
    const inFiles = readdirSync(new URL('../operations/', import.meta.url))
      .filter((f) => f.endsWith('.graphql'))
      .flatMap((f) => named(readFileSync(new URL(`../operations/${f}`, import.meta.url), 'utf8')));
    expect(
      Object.values(manifest)
        .flatMap((document) => named(document))
        .sort(),
    ).toEqual(inFiles.sort());
    for (const [id, document] of Object.entries(manifest)) {
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      // @defer is added by Yoga's defer-stream plugin, not declared in the Pothos schema.
      expect(validate(schema, parse(document)).filter((e) => !e.message.includes('"@defer"'))).toEqual([]);
    }
  });

  it('is off by default: documents run, ids are not understood', async () => {
    const s = await server();
    expect((await s.gql(`{ stations(search: "bank") { name } }`)).body.errors).toBeUndefined();
    expect((await post(s, JSON.stringify(findStation))).status).toBe(400);
  });
});

describe('health', () => {
  it('/ready checks the engine and the cache: 200 with each part when both answer', async () => {
    const s = await server();
    const response = await fetch(`${s.url}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ready',
      checks: { engine: { status: 'UP', version: expect.any(String) }, cache: { status: 'UP', tiers: ['memory'], redis: null } },
    });
    const { body } = await s.gql(`{ health { status cache { status tiers redis } } }`);
    expect(body.data!.health).toEqual({ status: 'ok', cache: { status: 'UP', tiers: ['memory'], redis: null } });
  });

  it('/ready is 503 when the engine is away, while /health stays alive', async () => {
    const s = await server({ LOCAL_ENGINE_URL: 'http://127.0.0.1:9' });
    const response = await fetch(`${s.url}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'not_ready', checks: { engine: { status: 'DOWN' }, cache: { status: 'UP' } } });
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('/ready stays ready but says so when Redis does not answer, within its timeout', async () => {
    // A port on loopback that takes connections and never answers: Redis hung, not refused.
    const sockets = new Set<import('node:net').Socket>();
    const silent = createNetServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const port = (silent.address() as AddressInfo).port;
    const s = await server({
      UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`,
      UPSTASH_REDIS_REST_TOKEN: 'token',
      READY_TIMEOUT_MS: '300',
    });
    const started = performance.now();
    const response = await fetch(`${s.url}/ready`);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ checks: { cache: { status: 'DEGRADED', tiers: ['memory', 'redis'], redis: 'DOWN' } } });
    const { body } = await s.gql(`{ health { status cache { status redis } } }`);
    expect(body.data!.health).toEqual({ status: 'degraded', cache: { status: 'DEGRADED', redis: 'DOWN' } });
  });

  it('/ready answers a flood of probes from one engine check a second, not one each', async () => {
    const s = await server();
    const calls = await s.countEngineCalls(async () => {
      const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${s.url}/ready`)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    });
    expect(calls.health ?? 0).toBeLessThanOrEqual(2);
  });
});
