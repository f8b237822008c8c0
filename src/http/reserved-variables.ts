import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Refuses a variable whose name starts with `__` (`$__proto__` above all). A JSON body's `"__proto__"` key
 * does not survive being copied into an object (it sets the prototype instead), so the value the client sent
 * was lost on the way: the query was priced with the variable's default and ran with the argument's own, a
 * different amount of work than was charged. Names starting with `__` are GraphQL's own elsewhere (the spec
 * reserves them in the type system); no client needs one for a variable.
 */
function reservedVariablesRule(context: ValidationContext): ASTVisitor {
  return {
    VariableDefinition(node) {
      const name = node.variable.name.value;
      if (!name.startsWith('__')) return;
      context.reportError(
        new GraphQLError(`Variable "$${name}" is not allowed: names starting with "__" are reserved.`, {
          nodes: node,
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      );
    },
  };
}

export function useReservedVariables(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(reservedVariablesRule);
    },
  };
}
