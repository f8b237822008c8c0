import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import type { Client, HeaderSource } from '../../ratelimit/clients.ts';
import { actualCost } from '../../ratelimit/cost.ts';
import { untilDeadline } from '../drain.ts';
import { compiledQueryOf } from '../jit.ts';

/**
 * How to run an operation again that the pipeline ran with a plain answer (200, data, no errors, nothing
 * stale): what the recorder (record-plugin.ts) took from that run. Every request with the same fingerprint
 * sent the same document, operation name and variables, so the same compiled query runs, with a new context.
 */
export interface Plan {
  /** Yoga's parsed document, while its document cache holds it; the compiled query lives exactly as long. */
  document: WeakRef<DocumentNode>;
  operationName: string | undefined;
  /** As sent (the fingerprint covers the body), frozen: graphql-jit coerces them into an object of its own. */
  variables: Readonly<Record<string, unknown>> | undefined;
}

/** What an operation's resolvers get and what the fast path reads back: the loaders' stats, the request id. */
export interface PreparedContext {
  requestId: string;
  stats: { hits: number; misses: number; engineCalls: number; stale: ReadonlyMap<unknown, unknown> };
}

export interface ExecutionOptions {
  schema: GraphQLSchema;
  /** The context Yoga would build for the request (yoga.ts): the same loaders, budgets and request id. */
  contextOf(request: HeaderSource & { method: string }, client: Client): PreparedContext;
  /** Aborted at the drain deadline: a run still going then is left to the pipeline, which answers SHUTTING_DOWN. */
  expired: AbortSignal;
}

/** A plan whose compiled query is still at hand (else undefined: the pipeline answers, and compiles it again). */
export interface Prepared {
  plan: Plan;
  document: DocumentNode;
  compiled: CompiledQuery;
}

export function prepare(plan: Plan): Prepared | undefined {
  const document = plan.document.deref();
  const compiled = document && compiledQueryOf(document, plan.operationName);
  return document && compiled ? { plan, document, compiled } : undefined;
}

/** A run's data and actual cost, with its context; for the request log and the metrics. */
export interface Ran {
  data: Record<string, unknown>;
  actual: number;
  context: PreparedContext;
}

/**
 * Runs the prepared operation with `context`. Undefined when the answer would not be a plain one: errors
 * (masked, coded, reported, given their status by the pipeline's plugins), parts served stale
 * (`extensions.stale`), or the drain deadline; the caller then refunds what it charged and hands the request
 * to the pipeline, which runs it again and answers it as it always does.
 */
export async function run(prepared: Prepared, context: PreparedContext, options: ExecutionOptions): Promise<Ran | undefined> {
  const { plan, document, compiled } = prepared;
  const result = (await untilDeadline(
    () => compiled.query(undefined, context, plan.variables as Record<string, unknown> | undefined),
    options.expired,
  )) as ExecutionResult;
  if (result.errors?.length || !result.data || context.stats.stale.size > 0) return undefined;
  const actual = actualCost(options.schema, document, plan.operationName, plan.variables, result.data);
  return { data: result.data, actual, context };
}

/** Frozen all the way down, so no run can change what the next one is given. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
