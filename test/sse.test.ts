import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type NetworkError } from 'graphql-sse';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { FindStationDocument } from '../operations/generated/graphql.ts';
import { Drain } from '../src/http/drain.ts';
import { useSingleConnectionSse } from '../src/http/sse-single-connection.ts';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';
import { serversPerTest, type TestServer } from './helpers/server.ts';

/**
 * graphql-sse's single connection mode (its client's `singleConnection: true`): one stream per client,
 * reserved with a PUT, opened with a GET, fed by one POST per operation. Each POST is an ordinary request,
 * so every guard of one holds there.
 */
const server = serversPerTest();
const TOKEN = 'x-graphql-event-stream-token';
const ADMIN_TOKEN = 'admin-token-for-the-sse-suite';
const ORIGIN = 'https://app.example.com';
const PRODUCTION = { NODE_ENV: 'production', CORS_ORIGINS: ORIGIN };

const engines: LocalEngineProcess[] = [];
afterEach(async () => {
  while (engines.length) await engines.pop()!.stop();
});
/** An engine of the test's own whose explanation jobs take `delayMs`, so a subscription stays open. */
async function slowEngine(delayMs: number) {
  const engine = new LocalEngineProcess({ python: 'python3', env: { EXPLAIN_DELAY_MS: String(delayMs) } });
  engines.push(engine);
  return engine.url();
}

type Event = { event: 'next' | 'complete'; data: { id: string; payload?: any } };

/** Reserves and opens a stream as graphql-sse's client does, and reads its events as they come. */
async function openStream(s: { url: string }, headers: Record<string, string> = {}) {
  const reserved = await fetch(`${s.url}/graphql`, { method: 'PUT', headers });
  expect(reserved.status).toBe(201);
  const token = await reserved.text();
  const stream = await fetch(`${s.url}/graphql`, { headers: { ...headers, accept: 'text/event-stream', [TOKEN]: token } });
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toContain('text/event-stream');
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  const events: Event[] = [];
  let buffer = '';
  let ended = false;
  const reading = (async () => {
    for (;;) {
      // The server closing the connection at the end of the test ends the stream too.
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (\w+)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name) events.push({ event: name as Event['event'], data: JSON.parse(data!) });
      }
    }
    ended = true;
  })();

  return {
    token,
    events,
    get ended() {
      return ended;
    },
    reading,
    /** Sends an operation on this stream. */
    post: (body: Record<string, unknown>, more: Record<string, string> = {}) =>
      fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers, [TOKEN]: token, ...more },
        body: JSON.stringify(body),
      }),
    /** The events of operation `id` once its `complete` (or `count` events) arrived. */
    async of(id: string, count?: number, timeoutMs = 5_000): Promise<Event[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mine = events.filter((e) => e.data.id === id);
        if (mine.some((e) => e.event === 'complete') || (count !== undefined && mine.length >= count)) return mine;
        if (Date.now() > deadline || ended) throw new Error(`no complete for ${id}: ${JSON.stringify(mine)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => reader.cancel(),
  };
}

const requestLines = (s: TestServer, method: string) => s.logs.filter((l) => l.event === 'request' && l.method === method);

describe("graphql-sse's single connection mode", () => {
  it("works with graphql-sse's own client: operations at once share one stream; a request error arrives as an answer", async () => {
    const s = await server();
    const client = createClient({ url: `${s.url}/graphql`, singleConnection: true, retryAttempts: 0 });
    const results = async (query: string, variables?: Record<string, unknown>) => {
      const all: any[] = [];
      for await (const result of client.iterate({ query, variables })) all.push(result);
      return all;
    };
    try {
      const { body } = await s.gql(`mutation { requestExplanation(areaCode: "E09000012", persona: STUDENT) { id } }`);
      const [area, typo, updates] = await Promise.all([
        results(`{ area(code: "E09000007") { name } }`),
        results(`{ area(code: "E09000007") { nam } }`),
        results(`subscription ($id: ID!) { explanationUpdated(id: $id) { status } }`, { id: body.data!.requestExplanation.id }),
      ]);
      expect(area).toHaveLength(1);
      expect(area[0].data).toEqual({ area: { name: 'Camden' } });
      expect(area[0].extensions.cost.requestedQueryCost).toBe(1);
      expect(typo).toHaveLength(1);
      expect(typo[0].errors[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
      expect(updates.at(-1).data.explanationUpdated.status).toBe('READY');
      // One reservation and one stream for the three of them.
      expect(requestLines(s, 'PUT')).toHaveLength(1);
      expect(requestLines(s, 'GET')).toHaveLength(1);
      expect(requestLines(s, 'POST').filter((l) => l.status === 202)).toHaveLength(3);
    } finally {
      client.dispose();
    }
  });

  it('with TRUSTED_DOCUMENTS=on refuses an arbitrary document sent there before it runs, and runs a manifest one by id', async () => {
    const s = await server({ ...PRODUCTION, TRUSTED_DOCUMENTS: 'on', ADMIN_TOKEN });
    const stream = await openStream(s);
    let refused!: Response;
    const calls = await s.countEngineCalls(async () => {
      refused = await stream.post({ query: '{ stations(search: "bank") { name } }', extensions: { operationId: 'arbitrary' } });
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(calls).toEqual({});

    const hash = (FindStationDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
    const trusted = await stream.post({ documentId: hash, variables: { search: 'oval' }, extensions: { operationId: 'trusted' } });
    expect(trusted.status).toBe(202);
    const [next, complete] = await stream.of('trusted');
    expect(next!.data.payload.data.stations[0].name).toBe('Oval');
    expect(complete!.event).toBe('complete');
    expect(stream.events.filter((e) => e.data.id === 'arbitrary')).toEqual([]);

    // graphql-sse's client is refused the same way.
    const client = createClient({ url: `${s.url}/graphql`, singleConnection: true, retryAttempts: 0 });
    try {
      const failure = await (async () => {
        for await (const _ of client.iterate({ query: '{ stations(search: "bank") { name } }' })) return 'answered';
      })().catch((error: NetworkError) => error);
      expect((failure as NetworkError).response?.status).toBe(400);
    } finally {
      client.dispose();
      await stream.close();
    }
  });

  it("charges each operation's cost to the client's budget; one it cannot afford is refused with 429 on its POST", async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '60' });
    const minuteLeft = async () =>
      (await s.gql(`{ rateLimit { budgets { name remaining } } }`)).body.data!.rateLimit.budgets.find(
        (b: { name: string }) => b.name === 'minute',
      ).remaining as number;
    const stream = await openStream(s);
    const before = await minuteLeft();
    const query = `{ areas(first: 30) { nodes { name } } }`;
    expect((await stream.post({ query, extensions: { operationId: 'paid' } })).status).toBe(202);
    const [answer] = await stream.of('paid');
    const cost = answer!.data.payload.extensions.cost;
    expect(cost.actualQueryCost).toBe(31);
    // Charged as over plain HTTP (a point a second comes back meanwhile).
    expect(await minuteLeft()).toBeLessThanOrEqual(before - 31 + 2);

    const refused = await stream.post({ query: `{ areas(first: 40) { nodes { name } } }`, extensions: { operationId: 'broke' } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', budget: 'minute' });

    // Refused before it runs for its estimate: a GraphQL answer, down the stream like any other.
    const tooExpensive = `{ areas(first: 100) { nodes { transport { stations { area { transport { stations { name } } } } } } } }`;
    expect((await stream.post({ query: tooExpensive, extensions: { operationId: 'estimate' } })).status).toBe(202);
    const [estimate] = await stream.of('estimate');
    expect(estimate!.data.payload.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    expect(stream.events.filter((e) => e.data.id === 'broke')).toEqual([]);
    await stream.close();
  });

  it('keeps the origin policy and the body limit', async () => {
    const s = await server({ ...PRODUCTION, MAX_BODY_BYTES: '2000' });
    // A browser on an allowed origin may reserve: the preflight allows PUT and DELETE.
    const preflight = await fetch(`${s.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': TOKEN },
    });
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('DELETE');
    const foreign = await fetch(`${s.url}/graphql`, { method: 'PUT', headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).errors[0].extensions.code).toBe('FORBIDDEN_ORIGIN');

    const stream = await openStream(s, { origin: ORIGIN });
    const fromElsewhere = await stream.post(
      { query: '{ __typename }', extensions: { operationId: 'x' } },
      { origin: 'https://evil.example' },
    );
    expect(fromElsewhere.status).toBe(403);
    const big = await stream.post({ query: '{ __typename }', variables: { pad: 'x'.repeat(3_000) }, extensions: { operationId: 'big' } });
    expect(big.status).toBe(413);
    expect((await big.json()).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(stream.events).toEqual([]);

    // The protocol's own refusals, coded.
    const noId = await stream.post({ query: '{ __typename }' });
    expect(noId.status).toBe(400);
    expect((await noId.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    const unknown = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/event-stream', [TOKEN]: 'no-such-token' } });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).errors[0].extensions.code).toBe('STREAM_NOT_FOUND');
    const twice = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/event-stream', [TOKEN]: stream.token } });
    expect(twice.status).toBe(409);
    await stream.close();
  });

  it('a DELETE stops one operation: nothing more comes for it, and the stream serves the next', async () => {
    const s = await server({ LOCAL_ENGINE_URL: await slowEngine(400), EXPLANATION_POLL_MS: '20' });
    const { body } = await s.gql(`mutation { requestExplanation(areaCode: "E09000020", persona: STUDENT) { id } }`);
    const stream = await openStream(s);
    const subscription = `subscription ($id: ID!) { explanationUpdated(id: $id) { status } }`;
    const id = body.data!.requestExplanation.id;
    expect((await stream.post({ query: subscription, variables: { id }, extensions: { operationId: 'watch' } })).status).toBe(202);
    const [first] = await stream.of('watch', 1);
    expect(first!.data.payload.data.explanationUpdated.status).toBe('PENDING');
    const stopped = await fetch(`${s.url}/graphql?operationId=watch`, { method: 'DELETE', headers: { [TOKEN]: stream.token } });
    expect(stopped.status).toBe(200);

    // Long enough for the job to be READY: nothing more arrives for the stopped operation.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await s.gql(`query ($id: ID!) { explanation(id: $id) { status } }`, { id })).body.data!.explanation.status).toBe('READY');
    expect(stream.events.filter((e) => e.data.id === 'watch')).toHaveLength(1);
    expect((await stream.post({ query: '{ __typename }', extensions: { operationId: 'after' } })).status).toBe(202);
    expect((await stream.of('after'))[0]!.data.payload.data).toEqual({ __typename: 'Query' });
    await stream.close();
  });

  it('at the drain deadline an operation still running ends with SHUTTING_DOWN, then the stream ends', async () => {
    const s = await server({ LOCAL_ENGINE_URL: await slowEngine(60_000), EXPLANATION_POLL_MS: '20' });
    const { body } = await s.gql(`mutation { requestExplanation(areaCode: "E09000021", persona: STUDENT) { id } }`);
    const stream = await openStream(s);
    const subscription = `subscription ($id: ID!) { explanationUpdated(id: $id) { status } }`;
    await stream.post({ query: subscription, variables: { id: body.data!.requestExplanation.id }, extensions: { operationId: 'long' } });
    await stream.of('long', 1);
    s.app.drain.expire();
    const events = await stream.of('long');
    expect(events.map((e) => e.event)).toEqual(['next', 'next', 'complete']);
    expect(events[1]!.data.payload.errors[0].extensions.code).toBe('SHUTTING_DOWN');
    await stream.reading;
    expect(stream.ended).toBe(true);
  });
});

const SUBSCRIPTION = 'subscription ($id: ID!) { explanationUpdated(id: $id) { status } }';
const DEFERRED = '{ area(code: "E09000007") { name ... @defer { code } } }';
/** A key in the engine's format for a job no engine holds: its subscription answers null, then ends. */
const NO_SUCH_JOB = `ex1_${Buffer.from(JSON.stringify({ a: 'E09000007', c: {}, d: '000000000000', p: 'student' })).toString('base64url')}`;

/** An operation over Yoga's own SSE (graphql-sse's distinct connections mode), its stream held open until closed. */
async function overSse(s: TestServer, query: string, variables?: Record<string, unknown>) {
  const controller = new AbortController();
  const response = await fetch(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  return { response, close: () => controller.abort() };
}

const reserve = (s: TestServer) => fetch(`${s.url}/graphql`, { method: 'PUT' });

/** Sends until the answer is not a 429: a slot comes back once the server has seen the connection close. */
async function untilAdmitted(send: () => Promise<Response>): Promise<Response> {
  for (let tries = 1; ; tries += 1) {
    const response = await send();
    if (response.status !== 429 || tries === 100) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function expectTooManyStreams(response: Response) {
  expect(response.status).toBe(429);
  expect(response.headers.get('retry-after')).toBe('10');
  expect((await response.json()).errors[0].extensions).toEqual({ code: 'TOO_MANY_STREAMS', limit: 'streamsPerClient' });
}

describe('open streams, in both modes', () => {
  it('a client holds at most 16: reservations, connected streams and subscriptions alike; the 17th is refused, and a slot comes back when one closes', async () => {
    const s = await server({ LOCAL_ENGINE_URL: await slowEngine(60_000), EXPLANATION_POLL_MS: '20' });
    // Subscriptions that end give their slot back: more than 16 in a row are all served.
    for (let i = 0; i < 20; i += 1) {
      const { response } = await overSse(s, SUBSCRIPTION, { id: NO_SUCH_JOB });
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/"explanationUpdated":null[\s\S]*event: complete/);
    }

    const { body } = await s.gql(`mutation { requestExplanation(areaCode: "E09000007", persona: STUDENT) { id } }`);
    const id = body.data!.requestExplanation.id;
    const connected = [];
    for (let i = 0; i < 8; i += 1) connected.push(await openStream(s));
    for (let i = 0; i < 4; i += 1) expect((await reserve(s)).status).toBe(201);
    const subscriptions = [];
    for (let i = 0; i < 4; i += 1) {
      const subscription = await overSse(s, SUBSCRIPTION, { id });
      expect(subscription.response.status).toBe(200);
      subscriptions.push(subscription);
    }

    await expectTooManyStreams(await reserve(s));
    await expectTooManyStreams((await overSse(s, SUBSCRIPTION, { id })).response);
    // Queries and @defer answers end by themselves and hold no slot, under any Accept header.
    for (const query of ['{ __typename }', DEFERRED]) {
      const answered = await overSse(s, query);
      expect(answered.response.status).toBe(200);
      expect(await answered.response.text()).toContain('event: complete');
    }
    expect((await s.gql('{ __typename }')).status).toBe(200);

    // A subscription's client leaves: a reservation fits again.
    subscriptions.pop()!.close();
    expect((await untilAdmitted(() => reserve(s))).status).toBe(201);
    await expectTooManyStreams(await reserve(s));
    // A stream's client leaves: a subscription fits again.
    await connected.pop()!.close();
    const again = await untilAdmitted(async () => (await overSse(s, SUBSCRIPTION, { id })).response);
    expect(again.status).toBe(200);
    await again.body!.cancel();

    for (const subscription of subscriptions) subscription.close();
    for (const stream of connected) await stream.close();
  });

  it("each subscription on a single connection is one of its client's open streams, until it ends or is stopped", async () => {
    const s = await server({ LOCAL_ENGINE_URL: await slowEngine(60_000), EXPLANATION_POLL_MS: '20' });
    const { body } = await s.gql(`mutation { requestExplanation(areaCode: "E09000009", persona: STUDENT) { id } }`);
    const variables = { id: body.data!.requestExplanation.id };
    const stream = await openStream(s);
    for (let i = 0; i < 15; i += 1) {
      expect((await stream.post({ query: SUBSCRIPTION, variables, extensions: { operationId: `watch${i}` } })).status).toBe(202);
    }
    await expectTooManyStreams(await stream.post({ query: SUBSCRIPTION, variables, extensions: { operationId: 'one-too-many' } }));
    // Queries and @defer answers run beside them.
    expect((await stream.post({ query: '{ __typename }', extensions: { operationId: 'query' } })).status).toBe(202);
    expect((await stream.of('query'))[0]!.data.payload.data).toEqual({ __typename: 'Query' });
    expect((await stream.post({ query: DEFERRED, extensions: { operationId: 'deferred' } })).status).toBe(202);
    expect((await stream.of('deferred')).at(-1)!.event).toBe('complete');

    // Stopping one gives its slot back at once; the refused id was never taken.
    await fetch(`${s.url}/graphql?operationId=watch0`, { method: 'DELETE', headers: { [TOKEN]: stream.token } });
    expect((await stream.post({ query: SUBSCRIPTION, variables, extensions: { operationId: 'one-too-many' } })).status).toBe(202);
    expect((await stream.of('one-too-many', 1))[0]!.data.payload.data.explanationUpdated.status).toBe('PENDING');

    // Closing the stream gives back every slot it held.
    await stream.close();
    expect((await untilAdmitted(() => reserve(s))).status).toBe(201);
    for (let i = 1; i < 16; i += 1) expect((await reserve(s)).status).toBe(201);
  });

  it('closes a connected stream that has run nothing for the idle time, never one whose operation is running', async () => {
    let ticks = 0;
    const schema = createSchema({
      typeDefs: 'type Query { ok: Boolean } type Subscription { tick: Int }',
      resolvers: {
        Subscription: {
          tick: {
            async *subscribe() {
              for (;;) {
                ticks += 1;
                yield { tick: ticks };
                await new Promise((resolve) => setTimeout(resolve, 50));
              }
            },
          },
        },
      },
    });
    const plugin = useSingleConnectionSse({
      graphqlEndpoint: '/graphql',
      clientOf: () => ({ id: 'one' }),
      drain: new Drain(),
      log: () => {},
      limits: { idleMs: 200 },
    });
    const http = createServer(createYoga({ schema, plugins: [plugin] }));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const local = { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
    try {
      const idle = await openStream(local);
      await idle.reading;
      const afterward = await fetch(`${local.url}/graphql`, { headers: { accept: 'text/event-stream', [TOKEN]: idle.token } });
      expect((await afterward.json()).errors[0].extensions.code).toBe('STREAM_NOT_FOUND');

      const busy = await openStream(local);
      expect((await busy.post({ query: 'subscription { tick }', extensions: { operationId: 'tick' } })).status).toBe(202);
      // Five idle times with the subscription running: the stream stays open and its events keep coming.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(busy.ended).toBe(false);
      expect(busy.events.filter((e) => e.data.id === 'tick').length).toBeGreaterThan(5);
      await fetch(`${local.url}/graphql?operationId=tick`, { method: 'DELETE', headers: { [TOKEN]: busy.token } });
      await busy.reading;
      expect(busy.ended).toBe(true);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
