import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.ts';

/**
 * The status of each kind of refused request under each Accept header, as the GraphQL-over-HTTP spec says:
 * a request error (the request was well-formed, its operation could not run, there is no `data`) is 200
 * under `application/json`, the media type of clients older than the spec, which take any other status for
 * a failure of the network, and 400 under `application/graphql-response+json`. A request that is not a
 * well-formed GraphQL-over-HTTP request is 400 under both.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

const JSON_ = 'application/json';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

async function send(body: unknown, accept: string | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (accept) headers.accept = accept;
  const response = await fetch(`${s.url}/graphql`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as any };
}

const requestErrors: [string, string, unknown][] = [
  ['a document that does not parse', 'GRAPHQL_PARSE_FAILED', { query: '{ areas(first: 3) { nodes { code }' }],
  ['a document that does not validate', 'GRAPHQL_VALIDATION_FAILED', { query: '{ areas { nodes { code rentt } } }' }],
  [
    'a variable of the wrong type',
    'BAD_USER_INPUT',
    { query: 'query ($n: Int) { areas(first: $n) { totalCount } }', variables: { n: 'ten' } },
  ],
  ['a required variable missing', 'BAD_USER_INPUT', { query: 'query ($n: Int!) { areas(first: $n) { totalCount } }' }],
  [
    'a document over a limit',
    'QUERY_TOO_COMPLEX',
    { query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: area(code: "E09000007") { name }`).join(' ')} }` },
  ],
  [
    'a document estimated over MAX_QUERY_COST',
    'COST_ESTIMATED_TOO_EXPENSIVE',
    { query: '{ areas(first: 100) { nodes { transport { stations { area { transport { stations { name } } } } } } } }' },
  ],
  [
    'an operationName the document does not have',
    'OPERATION_RESOLUTION_FAILURE',
    { query: 'query A { __typename } query B { __typename }', operationName: 'C' },
  ],
  ['two operations and no operationName', 'OPERATION_RESOLUTION_FAILURE', { query: 'query A { __typename } query B { __typename }' }],
];

const malformed: [string, unknown][] = [
  ['no query', { variables: {} }],
  ['an unknown parameter', { qeury: '{ __typename }' }],
  ['variables that are not an object', { query: '{ __typename }', variables: [7] }],
  ['an operationName that is not a string', { query: 'query A { __typename }', operationName: 7 }],
];

describe('GraphQL over HTTP statuses', () => {
  it.each(requestErrors)('%s (%s): 200 under application/json, 400 under application/graphql-response+json', async (_, code, body) => {
    // Twice: a document's second run goes through graphql-jit, which reports variables its own way.
    for (let run = 0; run < 2; run += 1) {
      const legacy = await send(body, JSON_);
      expect(legacy.status).toBe(200);
      expect(legacy.type).toContain(JSON_);
      expect(legacy.body.errors[0].extensions.code).toBe(code);
      expect(legacy.body).not.toHaveProperty('data');

      const spec = await send(body, GRAPHQL_RESPONSE);
      expect(spec.status).toBe(400);
      expect(spec.type).toContain(GRAPHQL_RESPONSE);
      expect(spec.body.errors[0].extensions.code).toBe(code);
      expect(spec.body).not.toHaveProperty('data');
    }
  });

  it.each(malformed)('a request that is not well-formed (%s): 400 BAD_REQUEST under both', async (_, body) => {
    for (const accept of [JSON_, GRAPHQL_RESPONSE]) {
      const answer = await send(body, accept);
      expect(answer.status, accept).toBe(400);
      expect(answer.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('a field error is a partial answer: 200 under both, the rest of the data served', async () => {
    for (const accept of [JSON_, GRAPHQL_RESPONSE]) {
      const answer = await send({ query: '{ area(code: "E09000007") { name } areas(first: 0) { totalCount } }' }, accept);
      expect(answer.status, accept).toBe(200);
      expect(answer.body.data.area).toEqual({ name: 'Camden' });
      expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(answer.body.errors[0].path).toEqual(['areas']);
    }
  });

  it('no Accept header, */* and Apollo Client 3 count as application/json; urql and Apollo Client 4 get the spec', async () => {
    const variable = requestErrors[2]![2];
    for (const accept of [undefined, '*/*']) {
      const answer = await send(variable, accept);
      expect(answer.status, String(accept)).toBe(200);
      expect(answer.type).toContain(JSON_);
    }
    // What urql 6 and Apollo Client 4 send: both read a 4xx graphql-response+json body as GraphQL errors.
    for (const accept of [
      'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
      'application/graphql-response+json,application/json;q=0.9',
    ]) {
      const answer = await send(variable, accept);
      expect(answer.status, accept).toBe(400);
      expect(answer.type).toContain(GRAPHQL_RESPONSE);
      expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('a GET follows the same rule', async () => {
    const query = encodeURIComponent('query ($n: Int) { areas(first: $n) { totalCount } }');
    const variables = encodeURIComponent(JSON.stringify({ n: 'ten' }));
    for (const [accept, status] of [
      [JSON_, 200],
      [GRAPHQL_RESPONSE, 400],
    ] as const) {
      const response = await fetch(`${s.url}/graphql?query=${query}&variables=${variables}`, { headers: { accept } });
      expect(response.status, accept).toBe(status);
      expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('keeps the locations of a parse error', async () => {
    const answer = await send(requestErrors[0]![2], JSON_);
    expect(answer.body.errors[0].locations).toEqual([{ line: 1, column: 35 }]);
  });
});
