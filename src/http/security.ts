import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { type ExecutionResult, GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../config/security-env.ts';
import { replaceHeader } from '../lib/replace-header.ts';
import { editResults } from '../lib/results.ts';
import { useBodyLimit } from './body-limit.ts';
import { useCsrfPolicy } from './csrf.ts';
import { useMaxFields } from './max-fields.ts';
import { useReservedVariables } from './reserved-variables.ts';
import { useStreamInitialCount } from './stream-initial-count.ts';

/** Refusals of a document before it runs: always this code, with `extensions.limit` naming the limit. */
const TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

/**
 * Everything that stops a request before a resolver runs: the CSRF policy, depth, alias, directive and
 * token limits (graphql-armor; its cost rule is off, the cost plugin owns cost), introspection when it is
 * off, field suggestions whenever introspection is off (they would leak the schema one guess at a time),
 * and a 400 instead of a 500 for malformed JSON in GET parameters and for a body the client stopped sending.
 */
export function securityPlugins(config: SecurityConfig, maxFields: number): Plugin[] {
  const refuse = (limit: string) => (ctx: ValidationContext | null, error: GraphQLError) =>
    ctx?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: TOO_COMPLEX, limit } }));
  const validationLimit = (limit: string, n: number) => ({ n, propagateOnRejection: false, onReject: [refuse(limit)] });
  return [
    // What a page on another site can make a browser send unasked (see csrf.ts).
    useCsrfPolicy(),
    // Refused with 413 from Content-Length, or while reading a body that has none, before JSON parsing.
    useBodyLimit(config.maxBodyBytes),
    useMalformedParamsAsBadRequest(),
    EnvelopArmorPlugin({
      costLimit: { enabled: false },
      maxDepth: { ...validationLimit('depth', config.limits.depth), flattenFragments: true },
      // `__typename` aliases count too: armor lets them through by default, and each is one more value per
      // list item, priced at 0 (330 of them made a 1.7 MB answer of a 302-point query).
      maxAliases: { ...validationLimit('aliases', config.limits.aliases), allowList: [] },
      maxDirectives: validationLimit('directives', config.limits.directives),
      maxTokens: { n: config.limits.tokens },
      blockFieldSuggestion: { enabled: !config.introspection },
    }),
    useTokenLimitCode(),
    useStreamInitialCount(),
    // Fields once fragments are expanded (MAX_FIELDS), counted in linear time: see max-fields.ts.
    useMaxFields(maxFields),
    // `$__proto__` and the like: a value the server could not keep (reserved-variables.ts).
    useReservedVariables(),
    useCloseAfterTooLarge(),
    ...(config.introspection ? [] : [useNoIntrospection(), useNoSuggestions()]),
  ];
}

/**
 * A chunked body refused half-read (413) leaves its remaining bytes on the connection, where the next request
 * of a keep-alive client would wait behind them until the socket times out: close that connection instead.
 */
function useCloseAfterTooLarge(): Plugin {
  return {
    onResponse({ response }) {
      if (response.status === 413) replaceHeader(response.headers, 'connection', 'close');
    },
  };
}

/** The token limit stops the parser, so its error arrives as a parse failure: give it the limits' code. */
function useTokenLimitCode(): Plugin {
  return {
    onParse() {
      return ({ result }) => {
        if (result instanceof GraphQLError && /Token limit of \d+ exceeded/.test(result.message)) {
          const extensions = result.extensions as Record<string, unknown>;
          extensions.code = TOO_COMPLEX;
          extensions.limit = 'tokens';
        }
      };
    },
  };
}

function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/**
 * graphql-armor hides "Did you mean" for fields, arguments and types at validation; enum values misspelt in
 * variables ("Did you mean the enum value ...?") are reported later, at execution: hide those too.
 */
function useNoSuggestions(): Plugin {
  const SUGGESTION = / ?Did you mean [^?]*\?/g;
  // Errors are replaced, not edited: some (graphql-jit's) have a read-only message.
  const hide = (result: ExecutionResult): ExecutionResult => {
    if (!result.errors?.some((e) => e.message.includes('Did you mean'))) return result;
    const errors = result.errors.map((e) =>
      e.message.includes('Did you mean')
        ? new GraphQLError(e.message.replace(SUGGESTION, '').trim(), {
            nodes: e.nodes,
            path: e.path,
            originalError: e.originalError,
            extensions: e.extensions,
          })
        : e,
    );
    return { ...result, errors };
  };
  return {
    onResultProcess({ result, setResult }) {
      editResults(result, setResult, hide);
    },
  };
}

/**
 * Yoga parses the `variables` and `extensions` of a GET (and a form POST) with JSON.parse and lets its
 * SyntaxError through, which answers HTTP 500 "Unexpected error.". It is the client's mistake: answer 400.
 */
function useMalformedParamsAsBadRequest(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (request) => {
        try {
          return await parse(request);
        } catch (error) {
          // The client stopped sending its body (it went away, or Node's request timeout cut it): its doing, not
          // an unexpected error for the log's error level and Sentry (found by an outside tester).
          if (error instanceof Error && error.message === 'aborted') {
            throw createGraphQLError('The request body was not received in full.', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          if (!(error instanceof SyntaxError)) throw error;
          throw createGraphQLError('The variables or extensions parameter is not valid JSON.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
  };
}
