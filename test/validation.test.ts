import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exceeds } from '../src/http/variables-limit.ts';
import { type GraphQLResponse, startServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('bad documents and arguments get coded errors', () => {
  it('a malformed document', async () => {
    const { status, body } = await server.gql(`{ areas(first: 3) { nodes { code }`);
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('an unknown field', async () => {
    const { status, body } = await server.gql(`{ areas { nodes { code rentt } } }`);
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0]!.message).toContain('rentt');
  });

  it('a wrong argument type in the document', async () => {
    const { status, body } = await server.gql(`{ areas(first: "ten") { totalCount } }`);
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('a variable named `$__proto__` (or any `$__` name): its value would be lost on the way, and the price with it', async () => {
    // Found by an outside tester: priced with the variable's default (1), run with the argument's own (50).
    for (const name of ['__proto__', '__n']) {
      const { status, body } = await server.gql(`query P($${name}: Int = 1) { areas(first: $${name}) { totalCount } }`, { [name]: 3 });
      expect(status).toBe(400);
      expect(body.data).toBeUndefined();
      expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(body.errors![0]!.message).toContain('reserved');
    }
  });

  it('a wrong variable type', async () => {
    const { status, body } = await server.gql(`query ($n: Int) { areas(first: $n) { totalCount } }`, { n: 'ten' });
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('an unknown enum value', async () => {
    const { status, body } = await server.gql(`{ recommendations(input: { persona: LANDLORD, budget: 9, locationType: RENT }) { total } }`);
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('out-of-range values', async () => {
    for (const query of [
      `{ areas(first: 0) { totalCount } }`,
      `{ areas(first: 101) { totalCount } }`,
      `{ area(code: "Camden") { name } }`,
      `{ stations(search: "${'x'.repeat(101)}") { name } }`,
      `{ areas(filter: { minPtal: 9 }) { totalCount } }`,
    ]) {
      const { body } = await server.gql(query);
      expect(body.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
      expect(body.errors![0]!.extensions!.field, query).toBeTruthy();
    }
  });

  it('@stream with a negative initialCount, written out or as a variable', async () => {
    const cases: [string, Record<string, unknown>?][] = [
      [`{ stations(first: 3) @stream(initialCount: -1) { id } }`],
      [`query ($n: Int!) { stations(first: 3) @stream(initialCount: $n) { id } }`, { n: -2 }],
    ];
    for (const [query, variables] of cases) {
      for (const accept of ['application/graphql-response+json', 'multipart/mixed']) {
        const response = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept },
          body: JSON.stringify({ query, variables }),
        });
        const text = await response.text();
        expect(text, `${accept} ${query}`).toContain('"BAD_USER_INPUT"');
        expect(text).toContain('@stream(initialCount:) must be 0 or more.');
      }
    }
    const fine = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: `{ stations(first: 3) @stream(initialCount: 0) { id } }` }),
    });
    const text = await fine.text();
    expect(fine.status).toBe(200);
    expect(text).toContain('"items"');
    expect(text).not.toContain('"errors"');
  });

  it('never answers with a stack trace', async () => {
    const { body } = await server.gql(`{ area(code: "E09000007") { commute(to: "-1") { minutes } } }`);
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});

describe('variables and extensions are bounded before anything walks them', () => {
  const MAX_DEPTH = 16;
  const MAX_BYTES = 50_000;
  /** `levels` arrays inside each other; as a variable's value, the variables object adds one level. */
  const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);
  const refused = (answer: GraphQLResponse, limit: string) => {
    expect(answer.status).toBe(400);
    expect(answer.body.errors![0]!.extensions).toEqual({ code: 'BAD_REQUEST', limit });
    expect(answer.body.data).toBeUndefined();
  };

  it(`variables ${MAX_DEPTH} levels deep run; one more is refused with variablesDepth`, async () => {
    expect((await server.gql('{ __typename }', { v: nested(MAX_DEPTH - 1) })).body.data).toEqual({ __typename: 'Query' });
    refused(await server.gql('{ __typename }', { v: nested(MAX_DEPTH) }), 'variablesDepth');
    // Objects count as arrays do.
    refused(
      await server.gql('{ __typename }', { v: JSON.parse(`${'{"a":'.repeat(MAX_DEPTH)}1${'}'.repeat(MAX_DEPTH)}`) }),
      'variablesDepth',
    );
  });

  it(`variables of exactly ${MAX_BYTES} bytes of JSON run; one byte more is refused with variablesBytes`, async () => {
    // Multi-byte characters and escapes count as the JSON carries them.
    const filler = (bytes: number) => ({
      v: 'é"'.repeat(100),
      w: 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify({ v: 'é"'.repeat(100), w: '' }))),
    });
    expect(Buffer.byteLength(JSON.stringify(filler(MAX_BYTES)))).toBe(MAX_BYTES);
    expect((await server.gql('{ __typename }', filler(MAX_BYTES))).body.data).toEqual({ __typename: 'Query' });
    refused(await server.gql('{ __typename }', filler(MAX_BYTES + 1)), 'variablesBytes');
  });

  it("a request's extensions are bounded the same way, in a body and in a GET query string", async () => {
    const post = (extensions: unknown) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }', extensions }),
      }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }) as GraphQLResponse);
    expect((await post({ e: nested(MAX_DEPTH - 1) })).status).toBe(200);
    refused(await post({ e: nested(MAX_DEPTH) }), 'extensionsDepth');
    refused(await post({ e: 'x'.repeat(MAX_BYTES) }), 'extensionsBytes');

    const get = (name: string, value: unknown) =>
      fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}&${name}=${encodeURIComponent(JSON.stringify(value))}`, {
        headers: { 'x-graphql-yoga-csrf': '1' },
      }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }) as GraphQLResponse);
    expect((await get('variables', { v: nested(MAX_DEPTH - 1) })).status).toBe(200);
    refused(await get('variables', { v: nested(MAX_DEPTH) }), 'variablesDepth');
    refused(await get('extensions', { e: nested(MAX_DEPTH) }), 'extensionsDepth');
  });

  it('MAX_VARIABLES_DEPTH and MAX_VARIABLES_BYTES set the bounds', async () => {
    const strict = await startServer({ MAX_VARIABLES_DEPTH: '2', MAX_VARIABLES_BYTES: '100' });
    try {
      expect((await strict.gql('{ __typename }', { v: [1] })).status).toBe(200);
      refused(await strict.gql('{ __typename }', { v: [[1]] }), 'variablesDepth');
      refused(await strict.gql('{ __typename }', { v: 'x'.repeat(100) }), 'variablesBytes');
    } finally {
      await strict.close();
    }
  });
});

describe('the variables size check', () => {
  it('counts exactly the bytes JSON.stringify writes, for every kind of value', () => {
    const values = [
      {},
      [],
      { a: null, b: true, c: false, d: 0, e: -0, f: 1e21, g: -1.5e-7, h: 123456789.125 },
      { 'key "quoted"': 'line\nbreak\ttab\\ and \u0001 control', é: 'ünïcødé ✓ 😀', '': [[], {}, [null]] },
      [[1, [2, [3, { x: [4, 5, { y: 'z' }] }]]], 'mixed', 7],
      { list: Array.from({ length: 50 }, (_, i) => ({ i, s: 'v'.repeat(i) })) },
    ];
    for (const value of values) {
      const size = Buffer.byteLength(JSON.stringify(value));
      expect(exceeds(value, { maxDepth: 100, maxBytes: size }), JSON.stringify(value)).toBeUndefined();
      expect(exceeds(value, { maxDepth: 100, maxBytes: size - 1 }), JSON.stringify(value)).toBe('Bytes');
    }
  });

  it('refuses a million-item array and 20,000 levels of nesting without overflowing the stack', () => {
    const huge = Array.from({ length: 1_000_000 }, () => ({ a: 1 }));
    expect(exceeds({ huge }, { maxDepth: 16, maxBytes: 50_000 })).toBe('Bytes');
    // 20,000 levels: a recursive walk would overflow the stack.
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    expect(exceeds({ deep }, { maxDepth: 16, maxBytes: 50_000 })).toBe('Depth');
  });
});
