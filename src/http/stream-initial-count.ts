import { type DocumentNode, GraphQLError, GraphQLInt, type ValueNode, valueFromAST, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * `@stream(initialCount:)` below 0 is the client's mistake, but the executor throws it as a plain Error, which
 * would reach the client as an unexpected error: refuse it first, with a code, before anything is charged.
 * The argument may be a variable, so it is checked with the operation's variables, at execution.
 */
export function useStreamInitialCount(): Plugin {
  const initialCounts = new WeakMap<DocumentNode, ValueNode[]>();
  const initialCountsOf = (document: DocumentNode) => {
    let nodes = initialCounts.get(document);
    if (!nodes) {
      const found: ValueNode[] = [];
      visit(document, {
        Directive(directive) {
          if (directive.name.value !== 'stream') return;
          const argument = directive.arguments?.find((a) => a.name.value === 'initialCount');
          if (argument) found.push(argument.value);
        },
      });
      nodes = found;
      initialCounts.set(document, nodes);
    }
    return nodes;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      for (const node of initialCountsOf(args.document)) {
        const value = valueFromAST(node, GraphQLInt, args.variableValues ?? {});
        if (typeof value === 'number' && value < 0) {
          setResultAndStopExecution({
            errors: [
              new GraphQLError('@stream(initialCount:) must be 0 or more.', {
                nodes: [node],
                extensions: { code: 'BAD_USER_INPUT', field: 'initialCount', http: { status: 400 } },
              }),
            ],
          });
          return;
        }
      }
    },
  };
}
