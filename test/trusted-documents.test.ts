import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type DocumentNode, Kind, type OperationDefinitionNode, parse, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as generated from '../operations/generated/graphql.ts';
import { serversPerTest, type TestServer } from './helpers/server.ts';

/**
 * The generated documents and their manifest, as Apollo Client and urql use them: each document's
 * `__meta__.hash` is what the client sends, the manifest text under it is what the server runs, and both
 * select `__typename` everywhere, without which the normalised caches cannot work.
 */
const server = serversPerTest();
const manifest = JSON.parse(readFileSync(new URL('../operations/generated/persisted-documents.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>;
const documents = Object.entries(generated)
  .filter(([name]) => name.endsWith('Document'))
  .map(([name, document]) => ({ name, document: document as unknown as DocumentNode & { __meta__: { hash: string } } }));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Selection sets without `__typename`, by path; a subscription's root may hold one field only, so it has none. */
function withoutTypename(document: DocumentNode): string[] {
  const missing: string[] = [];
  visit(document, {
    SelectionSet(node, _key, parent, _path, ancestors) {
      if ((parent as OperationDefinitionNode | undefined)?.operation === 'subscription') return;
      const hasTypename = node.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename' && !s.alias);
      if (!hasTypename) missing.push(ancestors.map((a) => ('name' in a && a.name ? a.name.value : '')).join('/'));
    },
  });
  return missing;
}

/** Objects of an answer without `__typename`, by path. */
function untyped(value: unknown, path = 'data'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => untyped(item, `${path}.${i}`));
  if (value === null || typeof value !== 'object') return [];
  const own = '__typename' in value ? [] : [path];
  return [...own, ...Object.entries(value).flatMap(([key, inner]) => untyped(inner, `${path}.${key}`))];
}

const post = async (s: TestServer, body: Record<string, unknown>) => {
  const response = await fetch(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

describe('the generated documents and their manifest', () => {
  it('hold the same operations, one manifest entry per generated document, keyed by the SHA-256 of its text', () => {
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.map(({ document }) => document.__meta__.hash).sort()).toEqual(Object.keys(manifest).sort());
    for (const { name, document } of documents) {
      const text = manifest[document.__meta__.hash]!;
      expect(`sha256:${sha256(text)}`, name).toBe(document.__meta__.hash);
    }
  });

  it('select __typename on every selection set, in the typed documents and in the manifest alike', () => {
    for (const { name, document } of documents) {
      expect(withoutTypename(document), name).toEqual([]);
      expect(withoutTypename(parse(manifest[document.__meta__.hash]!)), `${name} in the manifest`).toEqual([]);
    }
  });
});

describe('TRUSTED_DOCUMENTS=on', () => {
  it('runs the manifest text by its hash, __typename included, as Apollo and urql send it', async () => {
    const s = await server({ TRUSTED_DOCUMENTS: 'on' });
    const hash = documents.find(({ name }) => name === 'FindStationDocument')!.document.__meta__.hash;
    const answer = await post(s, {
      variables: { search: 'bank' },
      extensions: { persistedQuery: { version: 1, sha256Hash: hash.slice(7) } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(JSON.stringify(answer.body.data)).toMatch(/Bank/);
    expect(untyped(answer.body.data)).toEqual([]);
  });

  it('registers nothing: a query with its hash is refused, and its hash alone is not a miss the links would answer by sending it', async () => {
    const s = await server({ TRUSTED_DOCUMENTS: 'on' });
    const query = '{ stations(search: "bank") { name } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    let registration!: Awaited<ReturnType<typeof post>>;
    const calls = await s.countEngineCalls(async () => {
      registration = await post(s, { query, extensions });
    });
    expect(registration.status).toBe(400);
    expect(registration.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect(calls).toEqual({});

    const byHash = await post(s, { extensions });
    expect(byHash.status).toBe(400);
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // What Apollo's PersistedQueryLink and urql's persistedExchange retry on: neither is here.
    expect(byHash.body.errors[0].message).not.toBe('PersistedQueryNotFound');
    expect(byHash.body.errors[0].extensions.code).not.toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});
