import { type ExecutionResult, GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { editResults } from '../lib/results.ts';

/**
 * GraphQL request errors: the request was well-formed, but its operation could not run (no `data`). The
 * GraphQL-over-HTTP spec answers them 200 under `Accept: application/json` (a client that predates the spec
 * takes any other status for a failure of the network, and drops the errors) and 400 under
 * `application/graphql-response+json`. A variable of the wrong type is one (BAD_USER_INPUT without data),
 * and so are this server's own refusals of a document before it runs.
 */
const REQUEST_ERRORS = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'COST_ESTIMATED_TOO_EXPENSIVE',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * A request that is not a well-formed GraphQL-over-HTTP request (no query, a body that is not JSON, an
 * unknown parameter): 400 under every Accept header, as the spec says. Yoga marks some of these as request
 * errors (200 under application/json).
 */
const MALFORMED = 'BAD_REQUEST';

interface Http {
  status?: number;
  spec?: boolean;
  headers?: Record<string, string>;
}

/**
 * Gives every error of an answer without `data` the HTTP rule the spec gives it. The refusals that are about
 * HTTP itself keep their status under every Accept header (401, 403, 405, 413, 429, and 400 for the
 * persisted documents' codes).
 */
export function useSpecStatuses(): Plugin {
  const apply = (result: ExecutionResult): ExecutionResult => {
    if (result.data !== undefined || !result.errors?.length) return result;
    const errors = result.errors.map((e) => (e instanceof GraphQLError ? withSpecStatus(e) : e));
    return errors.every((e, i) => e === result.errors![i]) ? result : { ...result, errors };
  };
  return {
    // Yoga checks the types of query, variables and extensions, not operationName's: a number there would
    // be an operation not found (a request error, 200 under application/json) where the spec sees a
    // request that is not well-formed.
    onParams({ params }) {
      const name: unknown = params.operationName;
      if (name != null && typeof name !== 'string') {
        throw createGraphQLError('The operationName parameter must be a string.', {
          extensions: { code: MALFORMED, http: { status: 400 } },
        });
      }
    },
    onResultProcess({ result, setResult }) {
      editResults(result, setResult, apply);
    },
  };
}

/**
 * The error with its `http` extension as the spec would have it, for an answer without `data`. `http.spec`
 * is Yoga's mark for "200 under application/json, `http.status` under application/graphql-response+json".
 */
export function withSpecStatus(error: GraphQLError): GraphQLError {
  const code = error.extensions?.code;
  const http = error.extensions?.http as Http | undefined;
  let wanted: Http | undefined;
  if (typeof code === 'string' && REQUEST_ERRORS.has(code)) wanted = { ...http, status: http?.status ?? 400, spec: true };
  else if (code === MALFORMED && http?.spec) wanted = { ...http, spec: false };
  if (!wanted || (http?.status === wanted.status && http?.spec === wanted.spec)) return error;
  // Replaced, not edited: some errors (graphql-jit's) are read-only.
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, http: wanted },
  });
}
