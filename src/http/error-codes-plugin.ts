import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * graphql-js reports a variable that cannot be coerced (`$n: Int` given "ten") without a code; give it the
 * same BAD_USER_INPUT a client sees for every other bad argument.
 */
export function useErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors || result.data !== undefined) return;
          if (!result.errors.some((e) => !e.extensions?.code && e.message.startsWith('Variable "$'))) return;
          setResult({
            ...result,
            errors: result.errors.map((e) =>
              !e.extensions?.code && e.message.startsWith('Variable "$')
                ? new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } })
                : e,
            ),
          });
        },
      };
    },
  };
}
