import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  getVariableValues,
  visit,
} from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { fieldNodesAt, fragmentsOf } from '../lib/field-nodes.ts';

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
 * Compiling costs memory that outlives the document: about 1 MB of generated code for a document of a dozen
 * aliases, and graphql-jit memoises path strings in a module-level table that is never emptied. So only a
 * document that comes back is compiled (its second execution; a flood of one-off documents runs on the
 * standard executor), and at most MAX_COMPILES documents ever are. Frontends send a handful of documents,
 * each with many variable values, so the hot ones are compiled long before the bound is reached.
 */
const MAX_COMPILES = 500;
const COMPILE_AFTER_RUNS = 2;

function compileBudget() {
  const runs = new WeakMap<DocumentNode, number>();
  const compiled = new WeakSet<DocumentNode>();
  let compiles = 0;
  return (document: DocumentNode): boolean => {
    if (compiled.has(document)) return true;
    const seen = (runs.get(document) ?? 0) + 1;
    runs.set(document, seen);
    if (seen < COMPILE_AFTER_RUNS || compiles >= MAX_COMPILES) return false;
    compiles += 1;
    compiled.add(document);
    return true;
  };
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
 * Documents it cannot run, and documents not (yet) worth compiling, keep the standard executor. Its field errors carry no AST nodes, which Yoga needs
 * to keep `locations` on an error it masks; they get them back here, from the document.
 */
export function useJit(): Plugin[] {
  const jitted = new WeakSet<object>();
  const mayCompile = compileBudget();
  const enableIf = (args: ExecutionArgs) => {
    const on = documentFitsJit(args.document) && variablesCoerce(args) && mayCompile(args.document);
    if (on) jitted.add(args.contextValue as object);
    return on;
  };
  return [
    useGraphQlJit({}, { enableIf }) as Plugin,
    {
      onExecute({ args }) {
        if (!jitted.has(args.contextValue as object)) return undefined;
        return {
          // graphql-jit runs no @defer or subscription (documentFitsJit), so this is one result.
          onExecuteDone: (payload) =>
            handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
              if (result.errors?.some((e) => e.path && !e.nodes)) setResult(withLocations(result, args));
            }),
        };
      },
    },
  ];
}

function withLocations(result: ExecutionResult, args: ExecutionArgs): ExecutionResult {
  const operation = getOperationAST(args.document, args.operationName);
  const fragments = fragmentsOf(args.document);
  const errors = result.errors!.map((e) => {
    if (!e.path || e.nodes || !operation) return e;
    const nodes = fieldNodesAt(operation.selectionSet, fragments, e.path).map((f) => f.node);
    return new GraphQLError(e.message, { nodes, path: e.path, originalError: e.originalError, extensions: e.extensions });
  });
  return { ...result, errors };
}
