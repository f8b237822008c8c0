import { type DocumentNode, print } from 'graphql';
import { expect } from 'vitest';
import type { TestServer } from '../../helpers/server.ts';

/** The id the client preset writes into each generated document (`sha256:<hex>`): what a client sends for it. */
export const documentHash = (document: DocumentNode) => (document as DocumentNode & { __meta__: { hash: string } }).__meta__.hash;

/** The server's own answer to a document sent in full by a plain POST: what a client must end up with. */
export async function rawAnswer(server: TestServer, document: DocumentNode, variables?: Record<string, unknown>) {
  const { status, body } = await server.gql(print(document), variables);
  expect(body.errors).toBeUndefined();
  expect(status).toBe(200);
  return body.data!;
}
