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
      const extensions: Record<string, unknown> = { ...e.extensions };
      // Yoga answers an application/json client 400 rather than 200 only while a parser's error is attached
      // (`http.spec` lets the 200 win otherwise): keep that status without the error.
      const http = extensions.http as { spec?: boolean } | undefined;
      if (http?.spec && extensions.originalError !== undefined && !(extensions.originalError instanceof GraphQLError)) {
        extensions.http = { ...http, spec: false };
      }
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
