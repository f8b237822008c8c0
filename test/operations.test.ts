import { readdirSync, readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const dir = new URL('../operations/', import.meta.url);
const operations = readdirSync(dir).filter((f) => f.endsWith('.graphql'));

const variables: Record<string, Record<string, unknown>> = {
  'dashboard.graphql': {},
  'recommend.graphql': { input: { persona: 'STUDENT', budget: 900, locationType: 'RENT', commuteTo: '145', limit: 5 } },
  'area-detail.graphql': { code: 'E09000012', to: '145' },
  'find-station.graphql': { search: 'bank' },
};

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('the example operations frontend teams copy', () => {
  it.each(operations)('%s is valid and answers without errors', async (file) => {
    const source = readFileSync(new URL(file, dir), 'utf8');
    expect(validate(schema, parse(source))).toEqual([]);
    expect(variables[file], `add variables for ${file}`).toBeDefined();
    const { body } = await server.gql(source, variables[file]);
    expect(body.errors).toBeUndefined();
    expect(Object.values(body.data!)[0]).toBeTruthy();
  });
});
