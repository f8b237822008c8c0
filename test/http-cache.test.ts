import { describe, expect, it } from 'vitest';
import { serversPerTest, type TestServer } from './helpers/server.ts';

const server = serversPerTest();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ADMIN_TOKEN = 'admin-token-for-the-http-cache-suite';
const API_KEY = 'k_http_cache_0123456789';
const HOUR = '3600000';
// The generated Dashboard document (operations/dashboard.graphql): areas (24 h), crime (30 days), schools (90 days).
const DASHBOARD_ID = 'sha256:cd10ac4ead4a7f6d5c93b5ec7796a8a1047e54cd648d8ececb3fb5f6af95d48e';
const AREA = `query Area($code: ID!) { area(code: $code) { name safety { rank } } }`;
const RECOMMEND = `query Recommend { recommendations(input: { persona: STUDENT, budget: 900, locationType: RENT, limit: 3 }) { total results { rank } } }`;

/** A GraphQL GET: a trusted document by id, or a query, with its variables in the URL. */
async function get(s: TestServer, what: { documentId?: string; query?: string; variables?: object }, headers: Record<string, string> = {}) {
  const url = new URL(`${s.url}/graphql`);
  if (what.documentId) url.searchParams.set('documentId', what.documentId);
  if (what.query) url.searchParams.set('query', what.query);
  if (what.variables) url.searchParams.set('variables', JSON.stringify(what.variables));
  const response = await fetch(url, { headers: { accept: 'application/graphql-response+json', ...headers } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
}

const lastLine = (s: TestServer) => s.logs.filter((l) => l.event === 'request').at(-1)!;
const vary = (headers: Headers) => (headers.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());

describe('HTTP caching of GETs', () => {
  it('a dashboard by persisted id: public for the shortest TTL it read, one body and ETag for every client', async () => {
    const s = await server({ TRUSTED_DOCUMENTS: 'on', TRUST_PROXY: '1' });
    const first = await get(s, { documentId: DASHBOARD_ID }, { 'x-forwarded-for': '198.51.100.1' });
    expect(first.status).toBe(200);
    expect(first.body.data.areas.nodes).toHaveLength(33);
    // What the areas (24 h) have left: a day, less the moment since they were fetched.
    expect(first.headers.get('cache-control')).toMatch(/^public, s-maxage=(86400|86399), stale-while-revalidate=60$/);
    expect(first.headers.get('etag')).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    // A shared copy never answers a request with a key or credentials, which gets its own (private) answer.
    expect(vary(first.headers)).toEqual(expect.arrayContaining(['accept', 'origin', 'accept-encoding', 'authorization', 'x-api-key']));
    // The same bytes for everyone: the budget is in the headers, not the body.
    expect(first.body.extensions.cost).toEqual({ requestedQueryCost: 199, actualQueryCost: 199, throttleStatus: null });
    expect(first.headers.get('x-ratelimit-remaining')).toBe(String(100_000_000 - 199));

    const other = await get(s, { documentId: DASHBOARD_ID }, { 'x-forwarded-for': '198.51.100.2', origin: 'http://localhost:3000' });
    expect(lastLine(s).responseCache).toBe('hit');
    expect(other.text).toBe(first.text);
    expect(other.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(other.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    // A hit says what is left of the answer's TTL.
    expect(other.headers.get('cache-control')).toMatch(/^public, s-maxage=86(3\d\d|400), stale-while-revalidate=60$/);
  });

  it('If-None-Match: 304 without executing, priced and charged as the answer', async () => {
    const s = await server({ TRUSTED_DOCUMENTS: 'on', RATE_LIMIT_POINTS_PER_MINUTE: '1000', RATE_LIMIT_WINDOW_MS: HOUR });
    const first = await get(s, { documentId: DASHBOARD_ID });
    const etag = first.headers.get('etag')!;
    let revalidated!: Awaited<ReturnType<typeof get>>;
    const calls = await s.countEngineCalls(async () => {
      revalidated = await get(s, { documentId: DASHBOARD_ID }, { 'if-none-match': etag });
    });
    expect(calls).toEqual({});
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect(revalidated.headers.get('cache-control')).toMatch(/^public, s-maxage=\d+, stale-while-revalidate=60$/);
    // The same Vary as the 200 (RFC 9110): a cache that revalidates keeps Accept-Encoding among its keys.
    expect(vary(revalidated.headers)).toEqual(expect.arrayContaining(['accept', 'origin', 'accept-encoding']));
    expect(revalidated.headers.get('x-ratelimit-remaining')).toBe(String(1000 - 2 * 199));
    expect(lastLine(s)).toMatchObject({ status: 304, responseCache: 'hit', cost: { requested: 199, actual: 199 } });
    // Another validator, or none: the whole answer.
    const changed = await get(s, { documentId: DASHBOARD_ID }, { 'if-none-match': 'W/"something-else", "x"' });
    expect(changed.status).toBe(200);
    expect(changed.text).toBe(first.text);
  });

  it('only a whole JSON answer is shared: multipart and SSE GETs are per client, framed once', async () => {
    const s = await server();
    for (const accept of ['multipart/mixed', 'text/event-stream']) {
      const url = new URL(`${s.url}/graphql`);
      url.searchParams.set('query', AREA);
      url.searchParams.set('variables', JSON.stringify({ code: 'E09000007' }));
      // undici refuses an answer with both framings (RFC 9112): reading it whole proves there is one.
      const answer = await fetch(url, { headers: { accept } });
      expect(answer.status).toBe(200);
      // One Cache-Control: Yoga's own `no-cache` on SSE is replaced, not sent beside ours (fetch would join the two).
      expect(answer.headers.get('cache-control')).toBe('private, no-store');
      expect(answer.headers.get('etag')).toBeNull();
      expect(await answer.text()).toContain('Camden');
    }
  });

  it('s-maxage is the shortest TTL among the kinds read', async () => {
    const s = await server();
    const ranked = await get(s, { query: RECOMMEND });
    expect(ranked.body.data.recommendations.results).toHaveLength(3);
    expect(ranked.headers.get('cache-control')).toMatch(/^public, s-maxage=(3600|3599), stale-while-revalidate=60$/);
    const short = await server({ CACHE_TTL_CRIME: '120' });
    const area = await get(short, { query: AREA, variables: { code: 'E09000033' } });
    expect(area.headers.get('cache-control')).toMatch(/^public, s-maxage=(120|119), stale-while-revalidate=60$/);
  });

  it('no longer than the data it was built from stays fresh', async () => {
    const s = await server({ CACHE_TTL_AREA: '5' });
    const name = await get(s, { query: `{ area(code: "E09000033") { name } }` });
    expect(name.headers.get('cache-control')).toMatch(/^public, s-maxage=[45], /);
    await sleep(1_100);
    // Another question over the same area, read from the data cache where it has under 4 seconds left.
    const code = await get(s, { query: `{ area(code: "E09000033") { code name } }` });
    expect(lastLine(s)).toMatchObject({ responseCache: 'miss', engineCalls: 0 });
    expect(code.headers.get('cache-control')).toMatch(/^public, s-maxage=[1-3], /);
  });

  it('private, no-store for what is per client or not cacheable; POST answers untouched', async () => {
    const s = await server({ API_KEYS: `team:${API_KEY}:standard`, ADMIN_TOKEN });
    const area = { query: AREA, variables: { code: 'E09000033' } };
    const cases = {
      apiKey: await get(s, area, { 'x-api-key': API_KEY }),
      admin: await get(s, area, { authorization: `Bearer ${ADMIN_TOKEN}` }),
      errors: await get(s, { query: `{ node(id: "not-a-global-id") { id } }` }),
      rateLimit: await get(s, { query: `{ rateLimit { client } }` }),
      refused: await get(s, { query: `{ nope }` }),
      mutation: await get(s, { query: `mutation { invalidateCache(kind: AREA) { kind } }` }),
    };
    for (const [name, answer] of Object.entries(cases)) {
      expect([name, answer.headers.get('cache-control'), answer.headers.get('etag')]).toEqual([name, 'private, no-store', null]);
      expect(vary(answer.headers)).toEqual(expect.arrayContaining(['accept', 'origin']));
    }
    // Its own budget stays in a keyed client's body.
    expect(cases.apiKey.body.extensions.cost.throttleStatus).toMatchObject({ maximumAvailable: 30_000 });
    // The same answer over GET is public once the cache holds it, whoever asked first.
    expect((await get(s, area)).headers.get('cache-control')).toMatch(/^public, /);

    const posted = await s.gql(AREA, { code: 'E09000033' });
    expect(posted.headers.get('cache-control')).toBeNull();
    expect(posted.headers.get('etag')).toBeNull();
    expect(posted.body.extensions!.cost.throttleStatus).not.toBeNull();
  });
});
