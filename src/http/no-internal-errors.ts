import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { editResults } from '../lib/results.ts';

/** Extension keys that carry an internal error object rather than something a client can act on. */
const INTERNAL = ['originalError', 'stack', 'exception'] as const;

/**
 * No answer carries an internal error object, in any environment: Yoga's JSON body parser puts the
 * parser's own error (`extensions.originalError`) on its BAD_REQUEST, and development masking would add
 * the stack of an unexpected error. The client gets the coded message; the log keeps the rest.
 */
export function useNoInternalErrors(): Plugin {
  const clean = (result: ExecutionResult): ExecutionResult => {
    if (!result.errors?.some(hasInternals)) return result;
    const errors = result.errors.map((e) => {
      if (!hasInternals(e)) return e;
      // The status stays as it was: a body that is not JSON is BAD_REQUEST, 400 under every Accept header
      // (src/http/statuses.ts), with or without the parser's error attached.
      const extensions: Record<string, unknown> = { ...e.extensions };
      for (const key of INTERNAL) delete extensions[key];
      // Replaced, not edited: some errors (graphql-jit's) are read-only.
      return new GraphQLError(e.message, { nodes: e.nodes, path: e.path, originalError: e.originalError, extensions });
    });
    return { ...result, errors };
  };
  return {
    onResultProcess({ result, setResult }) {
      editResults(result, setResult, clean);
    },
  };
}

function hasInternals(error: GraphQLError): boolean {
  return INTERNAL.some((key) => error.extensions?.[key] !== undefined);
}
