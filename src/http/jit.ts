import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  BREAK,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { fieldNodesAt } from './field-nodes.ts';

const jitable = new WeakMap<DocumentNode, boolean>();

/** Not a subscription, and no @defer or @stream: graphql-jit knows neither. Decided once per document. */
function documentFitsJit(document: DocumentNode): boolean {
  let answer = jitable.get(document);
  if (answer === undefined) {
    answer = true;
    visit(document, {
      OperationDefinition(node) {
        if (node.operation === 'subscription') answer = false;
      },
      Directive(node) {
        if (node.name.value === 'defer' || node.name.value === 'stream') {
          answer = false;
          return BREAK;
        }
        return undefined;
      },
    });
    jitable.set(document, answer);
  }
  return answer;
}

/**
 * graphql-jit reports variables that do not coerce in its own words and without the HTTP status the
 * standard executor's errors get: leave those requests to the standard executor.
 */
function variablesCoerce(args: ExecutionArgs): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation?.variableDefinitions?.length) return true;
  return !getVariableValues(args.schema, operation.variableDefinitions, args.variableValues ?? {}).errors;
}

/**
 * Runs operations through graphql-jit, which compiles each document once into a function and a JSON
 * serialiser for its result: the profile put graphql-js's execution and Yoga's stringify at the top.
 * Documents it cannot run keep the standard executor. Its field errors carry no AST nodes, which Yoga needs
 * to keep `locations` on an error it masks; they get them back here, from the document.
 */
export function useJit(): Plugin[] {
  const jitted = new WeakSet<object>();
  const enableIf = (args: ExecutionArgs) => {
    const on = documentFitsJit(args.document) && variablesCoerce(args);
    if (on) jitted.add(args.contextValue as object);
    return on;
  };
  return [
    useGraphQlJit({}, { enableIf }) as Plugin,
    {
      onExecute({ args }) {
        if (!jitted.has(args.contextValue as object)) return undefined;
        return {
          onExecuteDone({ result, setResult }) {
            if (Symbol.asyncIterator in result || !result.errors?.some((e) => e.path && !e.nodes)) return;
            setResult(withLocations(result, args));
          },
        };
      },
    },
  ];
}

function withLocations(result: ExecutionResult, args: ExecutionArgs): ExecutionResult {
  const operation = getOperationAST(args.document, args.operationName);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of args.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const errors = result.errors!.map((e) => {
    if (!e.path || e.nodes || !operation) return e;
    const nodes = fieldNodesAt(operation.selectionSet, fragments, e.path).map((f) => f.node);
    return new GraphQLError(e.message, { nodes, path: e.path, originalError: e.originalError, extensions: e.extensions });
  });
  return { ...result, errors };
}
