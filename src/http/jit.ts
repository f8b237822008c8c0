import {
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  getOperationAST,
  getVariableValues,
  type InlineFragmentNode,
  Kind,
  type OperationDefinitionNode,
  valueFromASTUntyped,
  visit,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
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
 * Whether graphql-jit answers these variables as graphql-js does; the standard executor runs the rest.
 * - Variables that do not coerce: graphql-jit reports them in its own words and without the HTTP status the
 *   standard executor's errors get.
 * - A variable sent as null: graphql-jit lets a null through where graphql-js refuses it (a nullable variable
 *   with a default, in `@include(if:)` or another non-null position), and so answered `{}` where graphql-js
 *   answers an error. Found by an outside tester.
 */
export function variablesFitJit(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation?.variableDefinitions?.length) return true;
  const sent = args.variableValues ?? {};
  for (const definition of operation.variableDefinitions) {
    if (sent[definition.variable.name.value] === null && Object.hasOwn(sent, definition.variable.name.value)) return false;
  }
  return !getVariableValues(args.schema, operation.variableDefinitions, sent).errors;
}

/** A document's compiled form, per operation name (a document of several operations compiles each apart). */
const compiledQueries = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();

/**
 * The compiled form of `operationName` in `document`, if it was compiled (its second run): the fast path
 * (http/hit-path) runs a prepared operation with it. Held as long as the parsed document is (Yoga's bounded
 * document cache), no longer.
 */
export function compiledQueryOf(document: DocumentNode, operationName: string | null | undefined): CompiledQuery | undefined {
  return compiledQueries.get(document)?.get(operationName ?? '');
}

/** Compiles `operationName` of `document` once; undefined when graphql-jit cannot (the standard executor runs it). */
function compiledFor(args: ExecutionArgs): CompiledQuery | undefined {
  let byName = compiledQueries.get(args.document);
  if (!byName) {
    byName = new Map();
    compiledQueries.set(args.document, byName);
  }
  const name = args.operationName ?? '';
  if (!byName.has(name)) {
    const compiled = compileQuery(args.schema, inSelectionOrder(args.document), args.operationName ?? undefined);
    if (isCompiledQuery(compiled)) byName.set(name, compiled);
  }
  return byName.get(name);
}

/**
 * `document` rewritten so that graphql-jit answers in selection order, as the spec and graphql-js do.
 * graphql-jit collects a selection set's fields with a stack: its own fields first, then its fragments, the
 * last one first (`{ ...F population }` answered `population` before F's fields, and a compiled answer's bytes,
 * its ETag among them, differed from the first run's). In a selection set with fragments, each field is
 * wrapped in an inline fragment without a type condition (which always applies, and is resolved when the
 * query is compiled) and the list is reversed, so the stack takes them in document order. Field nodes are
 * kept as they are (their locations are the document's); a named fragment stays a spread, so the document
 * grows by a node per field, never by a fragment's copies.
 */
export function inSelectionOrder(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet: {
      leave(node) {
        if (node.selections.every((selection) => selection.kind === Kind.FIELD)) return undefined;
        const wrapped = node.selections.map(
          (selection): InlineFragmentNode =>
            selection.kind === Kind.INLINE_FRAGMENT
              ? selection
              : { kind: Kind.INLINE_FRAGMENT, selectionSet: { kind: Kind.SELECTION_SET, selections: [selection] } },
        );
        return { ...node, selections: wrapped.reverse() };
      },
    },
  });
}

/**
 * Runs operations through graphql-jit, which compiles each document once into a function: the profile put
 * graphql-js's execution at the top. Documents it cannot run, and documents not (yet) worth compiling, keep
 * the standard executor. (Written here rather than @envelop/graphql-jit, which keys its compilations by
 * document alone, so a document's second operation would run the first's, and keeps them out of reach of
 * the fast path.) Its errors are settled as graphql-js's (settledJitResult).
 */
export function useJit(): Plugin[] {
  const mayCompile = compileBudget();
  // Settled inside the executor, so every plugin's onExecuteDone (error reporting among them) sees the errors
  // as graphql-js's would be.
  const jitExecute = (args: ExecutionArgs) => {
    const settle = (result: ExecutionResult) => settledJitResult(result, args.document, args.operationName);
    const operation = getOperationAST(args.document, args.operationName);
    const result = compiledFor(args)!.query(args.rootValue, args.contextValue, jitVariables(operation, args.variableValues));
    // A result graphql-jit gives at once stays synchronous (the drain's deadline race relies on it).
    return result instanceof Promise ? result.then(settle) : settle(result);
  };
  return [
    {
      onExecute({ args, setExecuteFn }) {
        const on = documentFitsJit(args.document) && variablesFitJit(args) && mayCompile(args.document) && compiledFor(args) !== undefined;
        if (!on) return undefined;
        setExecuteFn(jitExecute);
        return undefined;
      },
    },
  ];
}

/**
 * The variables as graphql-jit must be given them, for it to answer as graphql-js does (both found by outside
 * testers):
 * - in an object without a prototype: its compiled coercion tests a variable for null by reading it, so a
 *   variable left out whose name every object inherits (`$toString`, `$constructor`) read as a function;
 * - with the default of each variable left out written in: graphql-jit ignores the default of a non-null
 *   variable (`$code: ID! = "E09000012"`) and refused the request as missing it.
 */
export function jitVariables(
  operation: OperationDefinitionNode | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> {
  const given = Object.assign(Object.create(null) as Record<string, unknown>, variables);
  for (const definition of operation?.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (definition.defaultValue && !Object.hasOwn(given, name)) given[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return given;
}

/**
 * graphql-jit's errors as graphql-js gives them. Each gets its AST nodes back (Yoga needs them to keep
 * `locations` on an error it masks). An error graphql-jit made itself (a value its scalar cannot serialise, a
 * null in a non-null field) has no original error, so Yoga would send its message as it is; graphql-js gives
 * those an original error that is not a GraphQL error, and Yoga masks and reports them as unexpected
 * ("Unexpected error.", INTERNAL_SERVER_ERROR, to Sentry). They get one here too. Used for every compiled run:
 * the pipeline's (its executor, below) and a prepared operation's (hit-path/prepared.ts).
 */
export function settledJitResult(
  result: ExecutionResult,
  document: DocumentNode,
  operationName: string | null | undefined,
): ExecutionResult {
  if (!result.errors?.length) return result;
  // graphql-js puts `errors` first; graphql-jit after `data` (the same answer, other bytes).
  const { errors: _, data, ...rest } = result;
  // Field errors only: an error without a path (the drain's SHUTTING_DOWN) is not graphql-jit's.
  const unsettled = (e: GraphQLError) => e.path !== undefined && (!e.nodes || !e.originalError);
  const errorsFirst = (errors: readonly GraphQLError[]): ExecutionResult =>
    data === undefined ? { errors, ...rest } : { errors, data, ...rest };
  if (!result.errors.some(unsettled)) return errorsFirst(result.errors);
  const operation = getOperationAST(document, operationName);
  const fragments = fragmentsOf(document);
  const errors = result.errors.map((e) => {
    if (!unsettled(e)) return e;
    const nodes = e.nodes ?? (e.path && operation ? fieldNodesAt(operation.selectionSet, fragments, e.path).map((f) => f.node) : undefined);
    const originalError = e.originalError ?? new Error(e.message);
    return new GraphQLError(e.message, { nodes, path: e.path, originalError, extensions: e.extensions });
  });
  return errorsFirst(errors);
}
