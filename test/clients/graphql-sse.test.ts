import { print } from 'graphql';
import { createClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecommendWithExplanationsDocument } from '../../operations/generated/graphql.ts';
import { LocalEngineProcess } from '../../src/modal/local/supervisor.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { watchConsole } from './helpers/console.ts';
import { recordingFetch } from './helpers/recorder.ts';

/** graphql-sse's client in both its modes, as a dashboard uses it to follow an explanation job. */
const consoleOutput = watchConsole();

const REQUEST = `mutation ($code: ID!) {
  requestExplanation(areaCode: $code, persona: DEVELOPER, context: { budget: 2100, locationType: RENT, size: ONE_BED }) { id status }
}`;
const FOLLOW = 'subscription ($id: ID!) { explanationUpdated(id: $id) { id status text source } }';
const EXPLANATION = 'query ($id: ID!) { explanation(id: $id) { id status text source } }';
/** RecommendWithExplanations without its deferred part, to ask the server for it plainly. */
const RANKED = `query ($input: RecommendationInput!) { __typename recommendations(input: $input) { __typename total results {
  __typename rank score area { __typename id code name } } } }`;

let engine: LocalEngineProcess;
let server: TestServer;
beforeAll(async () => {
  // Jobs that take a moment, so the subscription sees one change of status.
  engine = new LocalEngineProcess({ python: process.env.PYTHON ?? 'python3', env: { EXPLAIN_DELAY_MS: '600' } });
  server = await startServer({ LOCAL_ENGINE_URL: await engine.url() });
});
afterAll(async () => {
  await server?.close();
  await engine?.stop();
});

/** Every result graphql-sse's client yields for one operation, until the server completes it. */
async function results(client: ReturnType<typeof createClient>, query: string, variables: Record<string, unknown>) {
  const all: any[] = [];
  for await (const result of client.iterate({ query, variables })) all.push(result);
  return all;
}

describe.each([
  { mode: 'distinct connections (the default)', singleConnection: false },
  { mode: 'a single connection', singleConnection: true },
])("graphql-sse's client over $mode", ({ singleConnection }) => {
  it('starts a job with a mutation and follows explanationUpdated from PENDING to READY', async () => {
    const recorder = recordingFetch();
    const client = createClient({ url: `${server.url}/graphql`, singleConnection, fetchFn: recorder.fetch, retryAttempts: 0 });
    try {
      const code = singleConnection ? 'E09000019' : 'E09000022';
      const name = singleConnection ? 'Islington' : 'Lambeth';
      const [started] = await results(client, REQUEST, { code });
      expect(started.errors).toBeUndefined();
      expect(started.data.requestExplanation.status).toBe('PENDING');
      const { id } = started.data.requestExplanation;

      const updates = await results(client, FOLLOW, { id });
      for (const update of updates) expect(update.errors).toBeUndefined();
      const statuses = updates.map((update) => update.data.explanationUpdated.status);
      expect(statuses[0]).toBe('PENDING');
      expect(statuses.at(-1)).toBe('READY');
      const last = updates.at(-1).data.explanationUpdated;
      expect(last.text).toContain(name);
      const { body } = await server.gql(EXPLANATION, { id });
      expect(body.data!.explanation).toEqual(last);

      const sent = recorder.sent.map(({ method, status }) => `${method} ${status}`);
      if (singleConnection) {
        // Each operation a POST whose results go down the stream; the client (lazy by default) may reserve and open
        // the stream again for the second, once the first has closed it.
        expect(sent.filter((request) => request.startsWith('POST'))).toEqual(['POST 202', 'POST 202']);
        expect(new Set(sent)).toEqual(new Set(['PUT 201', 'GET 200', 'POST 202']));
        expect(recorder.sent.find(({ method }) => method === 'GET')!.contentType).toContain('text/event-stream');
      } else {
        expect(sent).toEqual(['POST 200', 'POST 200']);
        for (const { contentType } of recorder.sent) expect(contentType).toContain('text/event-stream');
      }
    } finally {
      client.dispose();
    }
    expect(consoleOutput()).toEqual([]);
  });

  it('runs a @defer query: the ranked list first, then each explanation READY at its path', async () => {
    const client = createClient({ url: `${server.url}/graphql`, singleConnection, retryAttempts: 0 });
    const variables = { input: { persona: 'STUDENT', budget: singleConnection ? 950 : 975, locationType: 'RENT', limit: 2 } };
    try {
      const [first, ...later] = await results(client, print(RecommendWithExplanationsDocument), variables);
      expect(first.errors).toBeUndefined();
      expect(first.hasNext).toBe(true);
      expect(first.data).toEqual((await server.gql(RANKED, variables)).body.data);
      expect(later.at(-1).hasNext).toBe(false);
      const parts = later.flatMap((payload) => payload.incremental ?? []);
      expect(parts.map((part) => part.path).sort()).toEqual([
        ['recommendations', 'results', 0],
        ['recommendations', 'results', 1],
      ]);
      for (const { path, data, errors } of parts) {
        expect(errors).toBeUndefined();
        expect(data.explanation).toMatchObject({ status: 'READY', source: 'TEMPLATE' });
        expect(data.explanation.text).toContain(first.data.recommendations.results[path[2]].area.name);
      }
    } finally {
      client.dispose();
    }
    expect(consoleOutput()).toEqual([]);
  });
});
