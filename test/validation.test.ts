import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type GraphQLResponse, type TestServer } from './helpers/server.ts';

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

  it('never answers with a stack trace', async () => {
    const { body } = await server.gql(`{ area(code: "E09000007") { commute(to: "-1") { minutes } } }`);
    expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});
