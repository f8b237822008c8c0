import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { EMPTY_REFUSAL_CODES } from '../lib/refusals.ts';

/**
 * graphql-js reports a variable that cannot be coerced (`$n: Int` given "ten"), and an argument left null in a
 * non-null position (`@include(if: $flag)` with `$flag` sent as null), without a code; give them the same
 * BAD_USER_INPUT a client sees for every other bad argument.
 */
export function useErrorCodes(): Plugin {
  const uncoded = (e: GraphQLError) => !e.extensions?.code && (e.message.startsWith('Variable "$') || e.message.startsWith('Argument "'));
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.some(uncoded)) return;
          setResult({
            ...result,
            errors: result.errors.map((e) =>
              uncoded(e)
                ? new GraphQLError(e.message, { nodes: e.nodes, path: e.path, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } })
                : e,
            ),
          });
        },
      };
    },
  };
}

/** The refusals Yoga answers with an empty body: each gets a coded error a client can read. */
const EMPTY_REFUSALS: Record<number, { code: string; message: string }> = {
  406: {
    code: EMPTY_REFUSAL_CODES[406]!,
    message:
      'The Accept header names no type this server answers with: application/graphql-response+json, application/json, multipart/mixed or text/event-stream.',
  },
  415: {
    code: EMPTY_REFUSAL_CODES[415]!,
    message: 'This content type is not read: send the request as application/json (or as a GET with the query in the URL).',
  },
};

/** Yoga refuses an unreadable content type (415) and an Accept it cannot serve (406) with no body at all. */
export function useCodedHttpRefusals(): Plugin {
  return {
    onResponse({ response, setResponse }) {
      const refusal = EMPTY_REFUSALS[response.status];
      if (!refusal || response.headers.has('content-type')) return;
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
      setResponse(new Response(body, { status: response.status, headers }));
    },
  };
}
