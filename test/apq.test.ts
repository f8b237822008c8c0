import { createHash } from 'node:crypto';
import { createClient, type NetworkError } from 'graphql-sse';
import { describe, expect, it } from 'vitest';
import { serversPerTest, type TestServer } from './helpers/server.ts';

/**
 * Automatic persisted queries (TRUSTED_DOCUMENTS=off), as Apollo's `PersistedQueryLink` and urql's
 * `persistedExchange` speak them: the hash alone, then on PersistedQueryNotFound the query with its hash.
 */
const server = serversPerTest();
const JSON_ = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
// Windows of an hour: under one point comes back while a test runs, so the figures are exact.
const HOUR = '3600000';

const AREA = 'query Area($code: ID!) { area(code: $code) { name } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (sha256Hash: unknown, version: unknown = 1) => ({ persistedQuery: { version, sha256Hash } });

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions: Record<string, any> }[]; extensions?: Record<string, any> };
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const post = async (s: TestServer, body: Record<string, unknown>, accept = GRAPHQL_RESPONSE) =>
  answer(
    await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify(body),
    }),
  );

/** A GET as Apollo's link sends it with `useGETForHashedQueries`, and urql's by default. */
const get = async (s: TestServer, params: Record<string, unknown>, accept = GRAPHQL_RESPONSE) => {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return answer(await fetch(`${s.url}/graphql?${search}`, { headers: { accept } }));
};

const code = (a: Answer) => a.body.errors?.[0]?.extensions.code;

describe('automatic persisted queries', () => {
  it('an unknown hash answers PersistedQueryNotFound (the message urql looks for, the code Apollo does), 404 under both Accept headers, over POST and GET', async () => {
    const s = await server();
    const hash = sha256(AREA);
    for (const accept of [JSON_, GRAPHQL_RESPONSE]) {
      for (const sent of [
        await post(s, { variables: { code: 'E09000007' }, extensions: persisted(hash) }, accept),
        await get(s, { variables: { code: 'E09000007' }, extensions: persisted(hash) }, accept),
      ]) {
        expect(sent.status, accept).toBe(404);
        expect(sent.headers.get('content-type')).toContain(accept);
        expect(sent.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
        expect(sent.body).not.toHaveProperty('data');
        // A cache in front must not keep the miss once the document is registered.
        expect(sent.headers.get('cache-control')).toContain('no-store');
      }
    }
  });

  it("registers a query sent with its hash, then runs it by the hash alone over POST and GET: the links' miss, retry, hit", async () => {
    const s = await server();
    const hash = sha256(AREA);
    const variables = { code: 'E09000007' };
    expect((await post(s, { variables, extensions: persisted(hash) })).status).toBe(404);

    const registered = await post(s, { query: AREA, variables, extensions: persisted(hash) });
    expect(registered.status).toBe(200);
    expect(registered.body.data).toEqual({ area: { name: 'Camden' } });

    for (const accept of [JSON_, GRAPHQL_RESPONSE]) {
      const byPost = await post(s, { variables: { code: 'E09000012' }, extensions: persisted(hash) }, accept);
      expect(byPost.status).toBe(200);
      expect(byPost.body.data).toEqual({ area: { name: 'Hackney' } });
      const byGet = await get(s, { variables, extensions: persisted(hash) }, accept);
      expect(byGet.status).toBe(200);
      expect(byGet.body.data).toEqual({ area: { name: 'Camden' } });
    }
    // urql's retry after a miss marks the extension (`miss: true`) and may send it over GET.
    const other = '{ area(code: "E09000012") { code } }';
    const retried = await get(s, { query: other, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(other), miss: true } } });
    expect(retried.body.data).toEqual({ area: { code: 'E09000012' } });
    expect((await get(s, { extensions: persisted(sha256(other)) })).body.data).toEqual({ area: { code: 'E09000012' } });
  });

  it('a mutation registered over POST is still refused over GET by its hash', async () => {
    const s = await server();
    const mutation = 'mutation { __typename }';
    expect((await post(s, { query: mutation, extensions: persisted(sha256(mutation)) })).body.data).toEqual({ __typename: 'Mutation' });
    const overGet = await get(s, { extensions: persisted(sha256(mutation)) });
    expect(overGet.status).toBe(405);
    expect(code(overGet)).toBe('BAD_REQUEST');
  });

  it('refuses a hash that is not the query’s, runs nothing and stores nothing', async () => {
    const s = await server();
    const claimed = sha256('{ __typename }');
    let refused!: Answer;
    const calls = await s.countEngineCalls(async () => {
      refused = await post(s, { query: AREA, variables: { code: 'E09000007' }, extensions: persisted(claimed) });
    });
    expect(refused.status).toBe(400);
    expect(code(refused)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(refused.body).not.toHaveProperty('data');
    expect(calls).toEqual({});
    expect(code(await post(s, { extensions: persisted(claimed) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a malformed extension with a code, under both Accept headers, and stores nothing', async () => {
    const s = await server();
    const hash = sha256(AREA);
    const cases: [unknown, unknown, string][] = [
      [hash.toUpperCase(), 1, 'PERSISTED_QUERY_HASH_INVALID'],
      [`sha256:${hash}`, 1, 'PERSISTED_QUERY_HASH_INVALID'],
      [hash.slice(1), 1, 'PERSISTED_QUERY_HASH_INVALID'],
      [`${hash}0`, 1, 'PERSISTED_QUERY_HASH_INVALID'],
      [42, 1, 'PERSISTED_QUERY_HASH_INVALID'],
      [undefined, 1, 'PERSISTED_QUERY_HASH_INVALID'],
      [hash, 2, 'PERSISTED_QUERY_VERSION_UNSUPPORTED'],
      [hash, '1', 'PERSISTED_QUERY_VERSION_UNSUPPORTED'],
      [hash, null, 'PERSISTED_QUERY_VERSION_UNSUPPORTED'],
    ];
    for (const [sha256Hash, version, expected] of cases) {
      for (const accept of [JSON_, GRAPHQL_RESPONSE]) {
        const refused = await post(
          s,
          { query: AREA, variables: { code: 'E09000007' }, extensions: persisted(sha256Hash, version) },
          accept,
        );
        expect(refused.status, `${String(sha256Hash)} v${String(version)}`).toBe(400);
        expect(code(refused)).toBe(expected);
      }
    }
    for (const persistedQuery of [hash, [hash], { sha256Hash: hash }]) {
      const refused = await post(s, { query: AREA, variables: { code: 'E09000007' }, extensions: { persistedQuery } });
      expect(refused.status).toBe(400);
      expect(code(refused)).toBe('PERSISTED_QUERY_VERSION_UNSUPPORTED');
    }
    expect(code(await post(s, { variables: { code: 'E09000007' }, extensions: persisted(hash) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('keeps only a document that parses and validates', async () => {
    const s = await server();
    for (const [query, expected] of [
      ['{ area(code: "E09000007") { nope } }', 'GRAPHQL_VALIDATION_FAILED'],
      ['{ area(code: "E09000007") { name }', 'GRAPHQL_PARSE_FAILED'],
      [`{ ${Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ')} }`, 'QUERY_TOO_COMPLEX'],
    ]) {
      const refused = await post(s, { query, extensions: persisted(sha256(query!)) });
      expect(code(refused)).toBe(expected);
      expect(code(await post(s, { extensions: persisted(sha256(query!)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });

  it('a registered document is priced and charged each time it runs, as if it had been sent in full', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '1000', RATE_LIMIT_WINDOW_MS: HOUR, MAX_QUERY_COST: '40' });
    const query = '{ areas(first: 30) { nodes { name } } }';
    const hash = sha256(query);
    // The miss is a request that never ran: one point, as any other.
    expect((await post(s, { extensions: persisted(hash) })).status).toBe(404);
    const full = await post(s, { query, extensions: persisted(hash) });
    expect(full.body.extensions!.cost).toMatchObject({ requestedQueryCost: 31, actualQueryCost: 31 });
    const byHash = await post(s, { extensions: persisted(hash) });
    expect(byHash.body.data.areas.nodes).toHaveLength(30);
    expect(byHash.body.extensions!.cost).toMatchObject({
      requestedQueryCost: 31,
      actualQueryCost: 31,
      throttleStatus: { currentlyAvailable: 1000 - 1 - 31 - 31 },
    });
    expect(byHash.headers.get('x-ratelimit-remaining')).toBe(String(1000 - 63));

    // Over MAX_QUERY_COST: it validates, so it is kept, and is refused by its hash as in full.
    const expensive = '{ areas(first: 50) { nodes { name } } }';
    expect(code(await post(s, { query: expensive, extensions: persisted(sha256(expensive)) }))).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    const refused = await post(s, { extensions: persisted(sha256(expensive)) });
    expect(refused.status).toBe(400);
    expect(code(refused)).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  });

  it('keeps registered documents within APQ_MAX_MB; a flood of new ones never pushes out those clients use again', async () => {
    const s = await server({ APQ_MAX_MB: '1' });
    // Documents of 40 KB (a comment: no token): 1 MB holds 25, new registrations 5 of them.
    const document = (name: string) => `query ${name} { __typename } # ${'x'.repeat(40_000)}`;
    const register = async (query: string) =>
      expect((await post(s, { query, extensions: persisted(sha256(query)) })).body.data).toEqual({ __typename: 'Query' });
    const found = async (query: string) => {
      const answer = await post(s, { extensions: persisted(sha256(query)) });
      return answer.status === 200 && answer.body.data?.__typename === 'Query';
    };

    const used = ['Dashboard', 'Ranking', 'Detail'].map(document);
    for (const query of used) await register(query);
    for (const query of used) expect(await found(query)).toBe(true);
    // 60 new registrations, over twice what the whole store holds, each one point.
    const flood = Array.from({ length: 60 }, (_, i) => document(`Flood${i}`));
    for (const query of flood) await register(query);
    for (const query of used) expect(await found(query), query.slice(0, 16)).toBe(true);
    // Among the new ones the least recently registered are out, the last ones in.
    expect(await found(flood[0]!)).toBe(false);
    expect(await found(flood.at(-1)!)).toBe(true);

    // Documents used again fill the rest; past it the least recently used go back among the new ones, and
    // new registrations push those out.
    const more = Array.from({ length: 24 }, (_, i) => document(`Used${i}`));
    for (const query of more) {
      await register(query);
      expect(await found(query)).toBe(true);
    }
    for (const query of flood.slice(0, 10)) await register(query);
    expect(await found(used[0]!)).toBe(false);
    expect(await found(more.at(-1)!)).toBe(true);
  });

  it('runs a document over 64 KB but does not keep it, so 99 KB comments cannot push the others out', async () => {
    const s = await server();
    expect((await post(s, { query: AREA, variables: { code: 'E09000007' }, extensions: persisted(sha256(AREA)) })).status).toBe(200);
    expect((await post(s, { variables: { code: 'E09000007' }, extensions: persisted(sha256(AREA)) })).status).toBe(200);
    const big = `{ __typename } # ${'x'.repeat(99_000)}`;
    const ran = await post(s, { query: big, extensions: persisted(sha256(big)) });
    expect(ran.body.data).toEqual({ __typename: 'Query' });
    expect(code(await post(s, { extensions: persisted(sha256(big)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(s, { variables: { code: 'E09000012' }, extensions: persisted(sha256(AREA)) })).body.data).toEqual({
      area: { name: 'Hackney' },
    });
  });

  it('works on graphql-sse’s single connection: an operation sent by its hash runs on the stream; a miss is refused on its POST', async () => {
    const s = await server();
    const hash = sha256(AREA);
    expect((await post(s, { query: AREA, variables: { code: 'E09000007' }, extensions: persisted(hash) })).status).toBe(200);
    const client = createClient({ url: `${s.url}/graphql`, singleConnection: true, retryAttempts: 0 });
    try {
      const results: unknown[] = [];
      // graphql-sse's client sends the params as they are, with its operationId added to `extensions`.
      const byHash = { variables: { code: 'E09000012' }, extensions: persisted(hash) } as unknown as { query: string };
      for await (const result of client.iterate(byHash)) results.push(result);
      expect(results).toEqual([expect.objectContaining({ data: { area: { name: 'Hackney' } } })]);

      const unknown = { extensions: persisted(sha256('{ __typename }')) } as unknown as { query: string };
      const failure = await (async () => {
        for await (const _ of client.iterate(unknown)) return 'answered';
      })().catch((error: NetworkError) => error);
      expect((failure as NetworkError).response?.status).toBe(404);
    } finally {
      client.dispose();
    }
  });
});
