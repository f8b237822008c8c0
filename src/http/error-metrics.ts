import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { refusalOf } from '../lib/refusals.ts';
import { resultsOf } from '../lib/results.ts';
import type { Metrics } from '../observability/metrics.ts';

/**
 * The codes this server answers with (the table in the README, and INTERNAL_SERVER_ERROR for a bug): the
 * values of the `code` label. Any other, or an error without a code, is counted as `other`, so a library's
 * new code cannot add series unnoticed.
 */
export const ERROR_CODES: readonly string[] = [
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'QUERY_TOO_COMPLEX',
  'COST_ESTIMATED_TOO_EXPENSIVE',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_USER_INPUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'POST_REQUIRED',
  'FORBIDDEN',
  'BAD_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_ACCEPTABLE',
  'REQUEST_ENTITY_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'REQUEST_HEADER_FIELDS_TOO_LARGE',
  'RATE_LIMITED',
  'UNAUTHENTICATED',
  'FORBIDDEN_ORIGIN',
  'CSRF_HEADER_REQUIRED',
  'PERSISTED_QUERY_ONLY',
  'PERSISTED_QUERY_ID_REQUIRED',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_HASH_MISMATCH',
  'PERSISTED_QUERY_HASH_INVALID',
  'PERSISTED_QUERY_VERSION_UNSUPPORTED',
  'STREAM_NOT_FOUND',
  'STREAM_ALREADY_OPEN',
  'TOO_MANY_STREAMS',
  'SHUTTING_DOWN',
  'INTERNAL_SERVER_ERROR',
];

const KNOWN = new Set(ERROR_CODES);

/** A later part of a stream: @defer's parts carry their errors in `incremental`. */
type Part = ExecutionResult & { incremental?: readonly { errors?: readonly GraphQLFormattedError[] }[] };

/**
 * Counts the codes of every answer in veo_graphql_errors_total, each code once per answer: a single result
 * (refusals before execution included) when Yoga sends it, and a stream (@defer, subscriptions) part by part.
 * Refusals answered without a result (a forbidden origin, 406, 415) are counted from their note (lib/refusals.ts).
 */
export function useErrorMetrics(errors: Metrics['graphqlErrors']): Plugin {
  const counted = new WeakMap<Request, Set<string>>();
  /** Each code once per answer. */
  const countCodes = (request: Request, codes: readonly unknown[]) => {
    const seen = counted.get(request) ?? counted.set(request, new Set()).get(request)!;
    for (const code of codes) {
      const label = typeof code === 'string' && KNOWN.has(code) ? code : 'other';
      if (seen.has(label)) continue;
      seen.add(label);
      errors.inc({ code: label });
    }
  };
  const count = (request: Request | undefined, part: Part) => {
    const all = [...(part.errors ?? []), ...(part.incremental ?? []).flatMap((item) => item.errors ?? [])];
    if (request && all.length > 0)
      countCodes(
        request,
        all.map((error) => error.extensions?.code),
      );
  };
  const requestOf = (contextValue: unknown) => (contextValue as { request?: Request }).request;
  return {
    onExecute({ args }) {
      const request = requestOf(args.contextValue);
      return {
        onExecuteDone: ({ result }) => (isAsyncIterable(result) ? { onNext: ({ result: part }) => count(request, part) } : undefined),
      };
    },
    onSubscribe({ args }) {
      const request = requestOf(args.contextValue);
      return {
        onSubscribeResult: ({ result }) => (isAsyncIterable(result) ? { onNext: ({ result: part }) => count(request, part) } : undefined),
      };
    },
    onResultProcess({ request, result }) {
      for (const single of resultsOf(result)) count(request, single);
    },
    onResponse({ request, response }) {
      const code = refusalOf(request, response);
      if (code) countCodes(request, [code]);
    },
  };
}
