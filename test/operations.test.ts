import { readdirSync, readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';
import { multipartParts } from './helpers/multipart.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const dir = new URL('../operations/', import.meta.url);
const operations = readdirSync(dir).filter((f) => f.endsWith('.graphql'));

const variables: Record<string, Record<string, unknown>> = {
  'dashboard.graphql': {},
  'recommend.graphql': { input: { persona: 'STUDENT', budget: 900, locationType: 'RENT', commuteTo: '145', limit: 5 } },
  'area-detail.graphql': { code: 'E09000012', to: '145' },
  'find-station.graphql': { search: 'bank' },
  'recommend-with-explanations.graphql': { input: { persona: 'PARENT', budget: 2500, locationType: 'RENT', limit: 3 } },
  // A real id: the engine's deterministic id of a question (asked in the test first).
  'explanation.graphql': {},
};

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** The first payload of an incremental (multipart/mixed) answer. */
async function deferred(query: string, vars: Record<string, unknown>) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
    body: JSON.stringify({ query, variables: vars }),
  });
  const parts = await multipartParts(response, performance.now());
  for (const { part } of parts.slice(1)) expect(part.errors).toBeUndefined();
  return { body: parts[0]!.part };
}

describe('the example operations frontend teams copy', () => {
  it.each(operations)('%s is valid and answers without errors', async (file) => {
    const source = readFileSync(new URL(file, dir), 'utf8');
    // @defer is added to the schema by Yoga's plugin at run time; the server validates those documents.
    if (!source.includes('@defer')) expect(validate(schema, parse(source))).toEqual([]);
    expect(variables[file], `add variables for ${file}`).toBeDefined();
    if (file === 'explanation.graphql') {
      const asked = await server.gql(`mutation { requestExplanation(areaCode: "E09000007", persona: PARENT) { id } }`);
      variables[file] = { id: asked.body.data!.requestExplanation.id };
    }
    const { body } = source.includes('@defer') ? await deferred(source, variables[file]!) : await server.gql(source, variables[file]);
    expect(body.errors).toBeUndefined();
    expect(Object.values(body.data!)[0]).toBeTruthy();
  });
});
