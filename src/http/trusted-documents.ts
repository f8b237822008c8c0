import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { isAdminRequest } from './admin-auth.ts';

/** Document ids as the client preset writes them (`sha256:<hex>`), or the bare hex. */
const normalise = (id: string) => id.replace(/^sha256:/, '').toLowerCase();

/**
 * TRUSTED_DOCUMENTS=on: only the operations in the manifest that `npm run codegen` generates from
 * operations/ may run, by id. The id is read, in order, from `documentId` (GraphQL over HTTP, what the
 * client preset's `__meta__.hash` holds; a body field on POST, a query parameter on GET) or from
 * `extensions.persistedQuery.sha256Hash` (what Apollo and urql send). A request with the admin token may
 * still send a document: the warming cron and an operator debugging in production need to.
 */
export function useTrustedDocuments(manifest: Record<string, string>, adminToken: string | undefined): Plugin {
  const documents = new Map(Object.entries(manifest).map(([id, document]) => [normalise(id), document]));
  const refusal = (message: string, code: string) => ({ message, extensions: { code, http: { status: 400 } } });

  return usePersistedOperations({
    getPersistedOperation: (id) => documents.get(normalise(id)) ?? null,
    extractPersistedOperationId: documentIdOf,
    allowArbitraryOperations: (request) => isAdminRequest(request, adminToken),
    customErrors: {
      persistedQueryOnly: refusal(
        'Only trusted documents run here: send the documentId of a generated operation instead of a query.',
        'PERSISTED_QUERY_ONLY',
      ),
      keyNotFound: refusal('Send documentId (or extensions.persistedQuery.sha256Hash).', 'PERSISTED_QUERY_ID_REQUIRED'),
      notFound: refusal('No trusted document has this id.', 'PERSISTED_QUERY_NOT_IN_LIST'),
    },
  });
}

function documentIdOf(params: GraphQLParams, request: Request): string | null {
  const sent = (params as { documentId?: unknown }).documentId;
  if (typeof sent === 'string') return sent;
  if (request.method === 'GET') {
    const fromQuery = new URL(request.url).searchParams.get('documentId');
    if (fromQuery) return fromQuery;
  }
  const hash = (params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  return typeof hash === 'string' ? hash : null;
}
