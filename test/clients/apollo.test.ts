import { createHash } from 'node:crypto';
import {
  ApolloClient,
  type ApolloLink,
  CombinedGraphQLErrors,
  gql,
  HttpLink,
  InMemoryCache,
  type ObservableQuery,
  type OperationVariables,
} from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { __DEV__ } from '@apollo/client/utilities/environment';
import { print } from 'graphql';
import { lastValueFrom, takeWhile, toArray } from 'rxjs';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { possibleTypes, typePolicies } from '../../operations/generated/cache-config.ts';
import {
  AreaDetailDocument,
  DashboardDocument,
  FindStationDocument,
  RecommendDocument,
  RecommendWithExplanationsDocument,
  type RecommendWithExplanationsQuery,
} from '../../operations/generated/graphql.ts';
import { serversPerTest, startServer, type TestServer } from '../helpers/server.ts';
import { watchConsole } from './helpers/console.ts';
import { boroughs, globalId, medianRents } from './helpers/data.ts';
import { documentHash, rawAnswer } from './helpers/documents.ts';
import { PARTIAL, unreachableEngineUrl } from './helpers/engine-down.ts';
import { recordingFetch, searchParams } from './helpers/recorder.ts';

/**
 * Apollo Client 4 as a frontend sets it up: the shipped cache configuration, an HttpLink over the
 * global fetch (recorded, to see what went over the wire), and the incremental handler @defer needs.
 */
const consoleOutput = watchConsole();
const servers = serversPerTest();

const CAMDEN = 'E09000007';
const KINGS_CROSS = '145';
const recommendationInput = { persona: 'STUDENT', budget: 900, locationType: 'RENT', limit: 3 } as const;
/** The ranked list of RecommendWithExplanations without its deferred part, to ask the server for it plainly. */
const RANKED = `query Ranked($input: RecommendationInput!) { __typename recommendations(input: $input) { __typename total results {
  __typename rank score area { __typename id code name } } } }`;
const EXPLANATION = 'query ($id: ID!) { explanation(id: $id) { id key status text source } }';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const shippedCache = () => new InMemoryCache({ possibleTypes, typePolicies });

function apollo(link: ApolloLink, cache = shippedCache()) {
  return new ApolloClient({ cache, link, incrementalHandler: new Defer20220824Handler() });
}

const httpLink = (server: TestServer, fetch: typeof globalThis.fetch) => new HttpLink({ uri: `${server.url}/graphql`, fetch });

/** Every result a watched query emits until its deferred parts are all in. */
const untilComplete = <T, V extends OperationVariables>(query: ObservableQuery<T, V>) =>
  lastValueFrom(
    query.pipe(
      takeWhile((result) => result.dataState !== 'complete', true),
      toArray(),
    ),
  );

describe('Apollo Client 4 with the shipped cache configuration', () => {
  it('warns in this environment, so a test that sees no warning means there was none', () => {
    expect(__DEV__).toBe(true);
  });

  it('Dashboard, AreaDetail, then recommendations with @defer: every field kept, areas keyed by global id, explanations READY, no warning', async () => {
    const server = await servers();
    const recorder = recordingFetch();
    const cache = shippedCache();
    const client = apollo(httpLink(server, recorder.fetch), cache);

    const dashboard = await client.query({ query: DashboardDocument });
    expect(dashboard.error).toBeUndefined();
    expect(dashboard.data).toEqual(await rawAnswer(server, DashboardDocument));
    const areas = dashboard.data!.areas!;
    expect(areas.totalCount).toBe(boroughs.size);
    for (const area of areas.nodes) {
      expect(area.name).toBe(boroughs.get(area.code)!.name);
      expect(area.housing.medianRentAll).toBe(medianRents.get(area.code));
    }

    const detailVariables = { code: CAMDEN, to: KINGS_CROSS };
    const detail = await client.query({ query: AreaDetailDocument, variables: detailVariables });
    const rawDetail = await rawAnswer(server, AreaDetailDocument, detailVariables);
    expect(detail.data).toEqual(rawDetail);
    expect(detail.data!.area!.name).toBe('Camden');

    const results = await untilComplete(
      client.watchQuery({ query: RecommendWithExplanationsDocument, variables: { input: recommendationInput } }),
    );
    const deferred = recorder.sent.at(-1)!;
    expect(deferred.accept).toContain('multipart/mixed;deferSpec=20220824');
    expect(deferred.contentType).toContain('multipart/mixed');
    // The ranked list first, without explanations; then the whole answer once the deferred parts are in.
    const streaming = results.find((result) => result.dataState === 'streaming');
    expect(streaming, 'a result before the deferred parts').toBeDefined();
    const ranked = (await rawAnswer(server, gql(RANKED), { input: recommendationInput })) as RecommendWithExplanationsQuery;
    expect(streaming!.data).toEqual(ranked);
    const complete = results.at(-1)!;
    assert(complete.dataState === 'complete');
    expect(complete.error).toBeUndefined();
    const recommendations = complete.data.recommendations!;
    expect(recommendations.results.map(({ explanation: _, ...rest }) => rest)).toEqual(ranked.recommendations!.results);
    for (const { area, explanation } of recommendations.results) {
      expect(explanation).toMatchObject({ __typename: 'Explanation', status: 'READY', source: 'TEMPLATE' });
      expect(explanation!.text).toContain(area!.name);
      const { body } = await server.gql(EXPLANATION, { id: explanation!.id });
      expect(body.data!.explanation).toEqual({
        id: explanation!.id,
        key: explanation!.key,
        status: 'READY',
        text: explanation!.text,
        source: 'TEMPLATE',
      });
    }

    // The dashboard again from the server: it writes every area's housing once more, and must not drop AreaDetail's.
    await client.query({ query: DashboardDocument, fetchPolicy: 'network-only' });

    expect(client.readQuery({ query: AreaDetailDocument, variables: detailVariables })).toEqual(rawDetail);
    expect(client.readQuery({ query: DashboardDocument })).toEqual(dashboard.data);
    expect(client.readQuery({ query: RecommendWithExplanationsDocument, variables: { input: recommendationInput } })).toEqual(
      complete.data,
    );

    const store = cache.extract();
    const areaKeys = Object.keys(store).filter((key) => key.startsWith('Area:'));
    expect(areaKeys.sort()).toEqual([...boroughs.keys()].map((code) => `Area:${globalId('Area', code)}`).sort());
    const camden = store[`Area:${globalId('Area', CAMDEN)}`]!;
    // One Housing inside the one Camden: the dashboard's figures beside the detail's.
    expect(camden.housing).toMatchObject({ medianRentAll: medianRents.get(CAMDEN), rentPeriod: rawDetail.area.housing.rentPeriod });
    for (const { explanation } of recommendations.results) expect(store).toHaveProperty([`Explanation:${explanation!.id}`]);
    expect(consoleOutput()).toEqual([]);
  });

  it('Recommend after RecommendWithExplanations with the same input: the watcher keeps its explanations and nothing is fetched again', async () => {
    const server = await servers();
    const recorder = recordingFetch();
    const client = apollo(httpLink(server, recorder.fetch));
    const variables = { input: recommendationInput };
    const watched = client.watchQuery({ query: RecommendWithExplanationsDocument, variables });
    const emitted: ReturnType<typeof watched.getCurrentResult>[] = [];
    let explained!: () => void;
    const allReady = new Promise<void>((resolve) => (explained = resolve));
    const subscription = watched.subscribe((result) => {
      emitted.push(result);
      if (result.dataState === 'complete') explained();
    });
    try {
      await allReady;
      const before = watched.getCurrentResult();
      assert(before.dataState === 'complete');
      for (const { explanation } of before.data.recommendations!.results) expect(explanation!.status).toBe('READY');
      const seen = emitted.length;

      // Same ranking, other fields of each result (price, commute, breakdown): one request, merged into the list.
      const recommend = await client.query({ query: RecommendDocument, variables });
      expect(recommend.data).toEqual(await rawAnswer(server, RecommendDocument, variables));
      // A refetch of the watched query would start as soon as the write broke it: give it a round trip to show.
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect(recorder.sent.map((sent) => sent.body?.operationName)).toEqual(['RecommendWithExplanations', 'Recommend']);
      expect(watched.getCurrentResult()).toMatchObject({ dataState: 'complete', data: before.data });
      for (const result of emitted.slice(seen)) expect(result).toMatchObject({ dataState: 'complete', data: before.data });
      expect(client.readQuery({ query: RecommendDocument, variables })).toEqual(recommend.data);
      expect(consoleOutput()).toEqual([]);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('the same queries with a default InMemoryCache lose the dashboard and warn: what the shipped typePolicies prevent', async () => {
    const server = await servers();
    const client = apollo(httpLink(server, fetch), new InMemoryCache());
    await client.query({ query: DashboardDocument });
    await client.query({ query: AreaDetailDocument, variables: { code: CAMDEN, to: KINGS_CROSS } });
    expect(client.readQuery({ query: DashboardDocument })).toBeNull();
    expect(consoleOutput()).toContainEqual(
      expect.stringContaining('Cache data may be lost when replacing the housing field of a Area object'),
    );
  });

  it('without an incrementalHandler, Apollo Client 4 refuses a @defer query before sending it', async () => {
    const server = await servers();
    const recorder = recordingFetch();
    const client = new ApolloClient({ cache: shippedCache(), link: httpLink(server, recorder.fetch) });
    await expect(client.query({ query: RecommendWithExplanationsDocument, variables: { input: recommendationInput } })).rejects.toThrow(
      /incrementalHandler/,
    );
    expect(recorder.sent).toEqual([]);
  });
});

describe("Apollo's automatic persisted queries (createPersistedQueryLink)", () => {
  const variables = { search: 'bank' };
  const query = print(FindStationDocument);
  const hash = sha256(query);

  it('POST: the hash alone is not found, the retry with the query registers it, then the hash alone runs', async () => {
    const server = await servers();
    const recorder = recordingFetch();
    const client = apollo(createPersistedQueryLink({ sha256 }).concat(httpLink(server, recorder.fetch)));

    const first = await client.query({ query: FindStationDocument, variables });
    expect(first.error).toBeUndefined();
    expect(first.data).toEqual(await rawAnswer(server, FindStationDocument, variables));
    const again = await client.query({ query: FindStationDocument, variables: { search: 'king' } });
    expect(again.data).toEqual(await rawAnswer(server, FindStationDocument, { search: 'king' }));

    expect(
      recorder.sent.map(({ method, body, status }) => ({
        method,
        status,
        query: body!.query,
        hash: body!.extensions.persistedQuery.sha256Hash,
        search: body!.variables.search,
      })),
    ).toEqual([
      { method: 'POST', status: 404, query: undefined, hash, search: 'bank' },
      { method: 'POST', status: 200, query, hash, search: 'bank' },
      { method: 'POST', status: 200, query: undefined, hash, search: 'king' },
    ]);
    expect(consoleOutput()).toEqual([]);
  });

  it('useGETForHashedQueries: the hash alone over GET, the registering retry over POST, then the hash alone over GET', async () => {
    const server = await servers();
    const recorder = recordingFetch();
    const client = apollo(createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(httpLink(server, recorder.fetch)));

    expect((await client.query({ query: FindStationDocument, variables })).data).toEqual(
      await rawAnswer(server, FindStationDocument, variables),
    );
    expect((await client.query({ query: FindStationDocument, variables: { search: 'king' } })).data).toEqual(
      await rawAnswer(server, FindStationDocument, { search: 'king' }),
    );

    const sent = recorder.sent.map(({ method, url, body, status }) => {
      const params = method === 'GET' ? searchParams(url) : body!;
      return { method, status, query: params.query, hash: params.extensions.persistedQuery.sha256Hash, search: params.variables.search };
    });
    expect(sent).toEqual([
      { method: 'GET', status: 404, query: undefined, hash, search: 'bank' },
      { method: 'POST', status: 200, query, hash, search: 'bank' },
      { method: 'GET', status: 200, query: undefined, hash, search: 'king' },
    ]);
    expect(consoleOutput()).toEqual([]);
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

  it("sends each generated document's __meta__.hash alone: data arrives whole, normalised, @defer included, no warning", async () => {
    const recorder = recordingFetch();
    const cache = shippedCache();
    const client = apollo(createPersistedQueryLink({ generateHash: documentHash }).concat(httpLink(trusted, recorder.fetch)), cache);

    const dashboard = await client.query({ query: DashboardDocument });
    expect(dashboard.data).toEqual(await rawAnswer(open, DashboardDocument));
    const detailVariables = { code: CAMDEN, to: KINGS_CROSS };
    const detail = await client.query({ query: AreaDetailDocument, variables: detailVariables });
    expect(detail.data).toEqual(await rawAnswer(open, AreaDetailDocument, detailVariables));
    const results = await untilComplete(
      client.watchQuery({ query: RecommendWithExplanationsDocument, variables: { input: recommendationInput } }),
    );
    const complete = results.at(-1)!;
    assert(complete.dataState === 'complete');
    expect(complete.error).toBeUndefined();
    for (const { explanation } of complete.data.recommendations!.results) expect(explanation!.status).toBe('READY');

    for (const [i, document] of [DashboardDocument, AreaDetailDocument, RecommendWithExplanationsDocument].entries()) {
      const { body, status } = recorder.sent[i]!;
      expect(status).toBe(200);
      expect(body).not.toHaveProperty('query');
      expect(body!.extensions.persistedQuery.sha256Hash).toBe(documentHash(document));
    }
    expect(recorder.sent).toHaveLength(3);
    expect(client.readQuery({ query: AreaDetailDocument, variables: detailVariables })).toEqual(detail.data);
    expect(client.readQuery({ query: DashboardDocument })).toEqual(dashboard.data);
    expect(cache.extract()).toHaveProperty([`Area:${globalId('Area', CAMDEN)}`, 'housing', 'rentPeriod']);
    expect(consoleOutput()).toEqual([]);
  });
});

describe('with the engine down', () => {
  it("errorPolicy 'all': rateLimit is served, areas is null with UPSTREAM_UNAVAILABLE at its path", async () => {
    const server = await servers({ LOCAL_ENGINE_URL: await unreachableEngineUrl() });
    const client = apollo(httpLink(server, fetch));
    const result = await client.query({ query: gql(PARTIAL), errorPolicy: 'all' });
    expect(result.data).toEqual({
      rateLimit: { __typename: 'RateLimit', client: 'ip:127.0.0.1', tier: 'anonymous' },
      areas: null,
    });
    expect(CombinedGraphQLErrors.is(result.error)).toBe(true);
    const errors = (result.error as CombinedGraphQLErrors).errors;
    expect(errors.map((e) => ({ path: e.path, code: e.extensions?.code }))).toEqual([{ path: ['areas'], code: 'UPSTREAM_UNAVAILABLE' }]);
    expect(consoleOutput()).toEqual([]);
  });
});
