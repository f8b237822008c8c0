import { createHash } from 'node:crypto';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { DocumentStore } from './apq-store.ts';

/** A SHA-256 as Apollo's and urql's links send it: hex, lowercase, nothing else. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Automatic persisted queries, Apollo's protocol, on GET and POST (TRUSTED_DOCUMENTS=off): a request may send
 * `extensions.persistedQuery: { version: 1, sha256Hash }` alone, and runs the document registered under that
 * hash; unknown, it answers PersistedQueryNotFound, and Apollo's and urql's links send it again with the
 * query, which registers it once its hash is checked. The text is all this supplies: a registered document
 * goes through every guard (limits, cost, budgets) each time it runs, as a query sent in full does.
 *
 * Registered documents live in this process (a restart or another instance answers not found once, then the
 * client sends the text again), in at most `maxBytes` of heap (see DocumentStore: new registrations cannot
 * push out the documents clients use). A document is kept only once it has parsed and validated, so a client
 * cannot push entries out with junk for free.
 */
export function useAutomaticPersistedQueries(documents: DocumentStore): Plugin {
  // The document a request sent to register, from its params to its validation.
  const registering = new WeakMap<Request, { hash: string; query: string }>();

  return {
    onParams({ request, params, setParams }) {
      const persisted = params.extensions?.persistedQuery;
      if (persisted == null) return;
      const hash = hashOf(persisted);
      if (params.query == null) {
        const query = documents.get(hash);
        if (query === undefined) throw notFound();
        setParams({ ...params, query });
        return;
      }
      // Not a string: Yoga refuses the query as it would without the extension.
      if (typeof params.query !== 'string') return;
      if (createHash('sha256').update(params.query).digest('hex') !== hash) {
        throw refusal(
          'PERSISTED_QUERY_HASH_MISMATCH',
          'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent: hash the exact text of the query (UTF-8, hex).',
        );
      }
      registering.set(request, { hash, query: params.query });
    },
    onValidate({ context }) {
      const request = (context as { request: Request }).request;
      const registration = registering.get(request);
      if (!registration) return;
      registering.delete(request);
      return ({ valid }) => {
        if (valid) documents.register(registration.hash, registration.query);
      };
    },
  };
}

/** The hash of a well-formed `extensions.persistedQuery`; a coded refusal for anything else. */
function hashOf(persisted: unknown): string {
  const { version, sha256Hash } = (typeof persisted === 'object' ? persisted : {}) as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) {
    throw refusal('PERSISTED_QUERY_VERSION_UNSUPPORTED', 'extensions.persistedQuery.version must be 1, the only version of the protocol.');
  }
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash)) {
    throw refusal(
      'PERSISTED_QUERY_HASH_INVALID',
      'extensions.persistedQuery.sha256Hash must be a SHA-256 in hex: 64 lowercase characters.',
    );
  }
  return sha256Hash;
}

/**
 * The message is the protocol's: urql's link looks for it, Apollo's for it or the code. 404 under every Accept
 * header, as Yoga's APQ plugin and Apollo's router answer; both links read the body whatever the status. Never stored:
 * a cache in front must not keep answering not found once the document is registered.
 */
const notFound = () =>
  createGraphQLError('PersistedQueryNotFound', {
    extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404, headers: { 'cache-control': 'no-store' } } },
  });

/** A malformed request: 400 under every Accept header, and nothing is stored. */
const refusal = (code: string, message: string) => createGraphQLError(message, { extensions: { code, http: { status: 400 } } });
