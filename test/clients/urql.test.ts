import {
  type AnyVariables,
  Client,
  cacheExchange,
  type Exchange,
  fetchExchange,
  type OperationContext,
  type OperationResult,
  type TypedDocumentNode,
} from '@urql/core';
import { cacheExchange as graphcache } from '@urql/exchange-graphcache';
import { persistedExchange } from '@urql/exchange-persisted';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphcacheKeys, graphcacheSchema } from '../../operations/generated/cache-config.ts';
import { AreaDetailDocument, DashboardDocument, RecommendWithExplanationsDocument } from '../../operations/generated/graphql.ts';
import { serversPerTest, startServer, type TestServer } from '../helpers/server.ts';
import { watchConsole } from './helpers/console.ts';
import { boroughs, medianRents } from './helpers/data.ts';
import { documentHash, rawAnswer } from './helpers/documents.ts';
import { PARTIAL, unreachableEngineUrl } from './helpers/engine-down.ts';
import { recordingFetch } from './helpers/recorder.ts';

/** urql 6 as a frontend sets it up: its defaults, then graphcache with the shipped keys and schema. */
const consoleOutput = watchConsole();
const servers = serversPerTest();

const CAMDEN = 'E09000007';
const detailVariables = { code: CAMDEN, to: '145' };
const recommendationInput = { persona: 'PARENT', budget: 2500, locationType: 'RENT', limit: 3 } as const;
/** What the README asks of urql for a query that may start explanation jobs: POST (a GET never starts one). */
const POST: Partial<OperationContext> = { preferGetMethod: false };

const withGraphcache = () => graphcache({ keys: graphcacheKeys, schema: graphcacheSchema });

function urql(server: TestServer, exchanges: Exchange[], fetch: typeof globalThis.fetch = globalThis.fetch) {
  return new Client({ url: `${server.url}/graphql`, exchanges, fetch });
}

/**
 * Every result of one query until its last deferred part is in. Not `toPromise()`: it ends the operation on the
 * last part, before urql has finished reading the multipart body, and the abort that follows surfaces in Node as an
 * unhandled AbortError from that body. A macrotask later urql has read it to its end.
 */
function allResults<Data, Variables extends AnyVariables>(
  client: Client,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  context?: Partial<OperationContext>,
): Promise<OperationResult<Data, Variables>[]> {
  return new Promise((resolve) => {
    const results: OperationResult<Data, Variables>[] = [];
    const { unsubscribe } = client.query(document, variables, context).subscribe((result) => {
      results.push(result);
      if (result.hasNext || result.stale) return;
      setTimeout(() => {
        unsubscribe();
        resolve(results);
      });
    });
  });
}

describe('urql with its defaults (document cache, GET for queries)', () => {
  it('serves the dashboard and an area over GET, as the server itself answers them', async () => {
    const server = await servers();
    const recorder = recordingFetch();
    const client = urql(server, [cacheExchange, fetchExchange], recorder.fetch);

    const dashboard = await client.query(DashboardDocument, {}).toPromise();
    expect(dashboard.error).toBeUndefined();
    expect(dashboard.data).toEqual(await rawAnswer(server, DashboardDocument));
    for (const area of dashboard.data!.areas!.nodes) expect(area.housing.medianRentAll).toBe(medianRents.get(area.code));
    const detail = await client.query(AreaDetailDocument, detailVariables).toPromise();
    expect(detail.error).toBeUndefined();
    expect(detail.data).toEqual(await rawAnswer(server, AreaDetailDocument, detailVariables));

    expect(recorder.sent.map(({ method, status }) => ({ method, status }))).toEqual([
      { method: 'GET', status: 200 },
      { method: 'GET', status: 200 },
    ]);
    expect(consoleOutput()).toEqual([]);
  });

  it('asks for explanations over GET only to be told POST_REQUIRED; with preferGetMethod: false they arrive', async () => {
    const server = await servers();
    const client = urql(server, [cacheExchange, fetchExchange]);
    const variables = { input: recommendationInput };

    const overGet = (await allResults(client, RecommendWithExplanationsDocument, variables)).at(-1)!;
    expect(overGet.data!.recommendations!.results).toHaveLength(3);
    expect(overGet.error!.graphQLErrors.map((e) => e.extensions.code)).toEqual(['POST_REQUIRED', 'POST_REQUIRED', 'POST_REQUIRED']);

    const overPost = (
      await allResults(client, RecommendWithExplanationsDocument, variables, { ...POST, requestPolicy: 'network-only' })
    ).at(-1)!;
    expect(overPost.error).toBeUndefined();
    for (const { explanation } of overPost.data!.recommendations!.results) expect(explanation!.status).toBe('READY');
    expect(consoleOutput()).toEqual([]);
  });
});

describe('urql with graphcache and the shipped keys and schema', () => {
  it('AreaDetail, Dashboard, recommendations with @defer: each read back from the cache alone in full, no warning', async () => {
    const server = await servers();
    const recorder = recordingFetch();
    const client = urql(server, [withGraphcache(), fetchExchange], recorder.fetch);

    const rawDetail = await rawAnswer(server, AreaDetailDocument, detailVariables);
    const rawDashboard = await rawAnswer(server, DashboardDocument);
    const detail = await client.query(AreaDetailDocument, detailVariables).toPromise();
    expect(detail.error).toBeUndefined();
    expect(detail.data).toEqual(rawDetail);
    // The dashboard writes every area's housing, Camden's included, after the detail did.
    const dashboard = await client.query(DashboardDocument, {}).toPromise();
    expect(dashboard.error).toBeUndefined();
    expect(dashboard.data).toEqual(rawDashboard);
    expect(dashboard.data!.areas!.nodes.map((area) => area.name).sort()).toEqual([...boroughs.values()].map((b) => b.name).sort());

    const results = await allResults(client, RecommendWithExplanationsDocument, { input: recommendationInput }, POST);
    const deferred = recorder.sent.at(-1)!;
    expect(deferred.method).toBe('POST');
    expect(deferred.contentType).toContain('multipart/mixed');
    const [first, last] = [results[0]!, results.at(-1)!];
    expect(first.hasNext).toBe(true);
    expect(first.data!.recommendations!.results.map((r) => r.explanation)).toEqual([undefined, undefined, undefined]);
    expect(last.error).toBeUndefined();
    for (const { area, explanation } of last.data!.recommendations!.results) {
      expect(explanation).toMatchObject({ __typename: 'Explanation', status: 'READY', source: 'TEMPLATE' });
      expect(explanation!.text).toContain(area!.name);
    }

    const sent = recorder.sent.length;
    const cacheOnly = { requestPolicy: 'cache-only' } as const;
    const detailAgain = await client.query(AreaDetailDocument, detailVariables, cacheOnly).toPromise();
    expect(detailAgain.data).toEqual(rawDetail);
    expect(detailAgain.stale).toBe(false);
    expect((await client.query(DashboardDocument, {}, cacheOnly).toPromise()).data).toEqual(rawDashboard);
    expect((await client.query(RecommendWithExplanationsDocument, { input: recommendationInput }, cacheOnly).toPromise()).data).toEqual(
      last.data,
    );
    expect(recorder.sent).toHaveLength(sent);
    expect(consoleOutput()).toEqual([]);
  });

  it('without the shipped keys, graphcache warns that no key could be generated: the warning the keys prevent', async () => {
    const server = await servers();
    const client = urql(server, [graphcache({ schema: graphcacheSchema }), fetchExchange]);
    expect((await client.query(AreaDetailDocument, detailVariables).toPromise()).data).toEqual(
      await rawAnswer(server, AreaDetailDocument, detailVariables),
    );
    expect(consoleOutput()).toContainEqual(expect.stringContaining('no key could be generated'));
  });
});

describe('TRUSTED_DOCUMENTS=on', () => {
  let trusted: TestServer;
  let open: TestServer;
  beforeAll(async () => {
    [trusted, open] = await Promise.all([startServer({ TRUSTED_DOCUMENTS: 'on' }), startServer()]);
  });
  afterAll(async () => {
    await Promise.all([trusted?.close(), open?.close()]);
  });

  const byHash = (options: Parameters<typeof persistedExchange>[0] = {}) =>
    persistedExchange({
      generateHash: async (_query, document) => documentHash(document),
      enforcePersistedQueries: true,
      ...options,
    });

  it("persistedExchange sends each generated document's __meta__.hash alone; graphcache normalises what comes back", async () => {
    const recorder = recordingFetch();
    const client = urql(trusted, [withGraphcache(), byHash(), fetchExchange], recorder.fetch);

    const detail = await client.query(AreaDetailDocument, detailVariables).toPromise();
    expect(detail.error).toBeUndefined();
    expect(detail.data).toEqual(await rawAnswer(open, AreaDetailDocument, detailVariables));
    const dashboard = await client.query(DashboardDocument, {}).toPromise();
    expect(dashboard.error).toBeUndefined();
    expect(dashboard.data).toEqual(await rawAnswer(open, DashboardDocument));

    expect(
      recorder.sent.map(({ method, status, url }) => ({ method, status, extensions: JSON.parse(url.searchParams.get('extensions')!) })),
    ).toEqual(
      [AreaDetailDocument, DashboardDocument].map((document) => ({
        method: 'GET',
        status: 200,
        extensions: { persistedQuery: { version: 1, sha256Hash: documentHash(document) } },
      })),
    );
    for (const { url } of recorder.sent) expect(url.searchParams.has('query')).toBe(false);
    expect((await client.query(AreaDetailDocument, detailVariables, { requestPolicy: 'cache-only' }).toPromise()).data).toEqual(
      detail.data,
    );
    expect(consoleOutput()).toEqual([]);
  });

  it('persistedExchange sends queries over GET whatever the operation asks, so explanations need preferGetForPersistedQueries: false', async () => {
    const variables = { input: recommendationInput };
    const overGet = (
      await allResults(urql(trusted, [withGraphcache(), byHash(), fetchExchange]), RecommendWithExplanationsDocument, variables, POST)
    ).at(-1)!;
    expect(overGet.error!.graphQLErrors.map((e) => e.extensions.code)).toEqual(['POST_REQUIRED', 'POST_REQUIRED', 'POST_REQUIRED']);

    const recorder = recordingFetch();
    const client = urql(trusted, [withGraphcache(), byHash({ preferGetForPersistedQueries: false }), fetchExchange], recorder.fetch);
    const results = await allResults(client, RecommendWithExplanationsDocument, variables);
    expect(
      recorder.sent.map(({ method, body }) => ({ method, query: body!.query, hash: body!.extensions.persistedQuery.sha256Hash })),
    ).toEqual([{ method: 'POST', query: undefined, hash: documentHash(RecommendWithExplanationsDocument) }]);
    const last = results.at(-1)!;
    expect(last.error).toBeUndefined();
    for (const { area, explanation } of last.data!.recommendations!.results) {
      expect(explanation).toMatchObject({ status: 'READY', source: 'TEMPLATE' });
      expect(explanation!.text).toContain(area!.name);
    }
    expect(consoleOutput()).toEqual([]);
  });
});

describe('with the engine down', () => {
  it('rateLimit is served, areas is null with UPSTREAM_UNAVAILABLE at its path, with the default cache and graphcache', async () => {
    const server = await servers({ LOCAL_ENGINE_URL: await unreachableEngineUrl() });
    const query = parse(PARTIAL);
    for (const exchanges of [
      [cacheExchange, fetchExchange],
      [withGraphcache(), fetchExchange],
    ]) {
      const result = await urql(server, exchanges).query(query, {}).toPromise();
      expect(result.data!.rateLimit).toMatchObject({ client: 'ip:127.0.0.1', tier: 'anonymous' });
      expect(result.data!.areas).toBeNull();
      expect(result.error!.networkError).toBeUndefined();
      expect(result.error!.graphQLErrors.map((e) => ({ path: e.path, code: e.extensions.code }))).toEqual([
        { path: ['areas'], code: 'UPSTREAM_UNAVAILABLE' },
      ]);
    }
    expect(consoleOutput()).toEqual([]);
  });
});
