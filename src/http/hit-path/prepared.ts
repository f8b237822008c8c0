import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import type { Client, HeaderSource } from '../../ratelimit/clients.ts';
import { type CostPlan, costOf, costPlan } from '../../ratelimit/cost.ts';
import { untilDeadline } from '../drain.ts';
import { compiledQueryOf, settledJitResult } from '../jit.ts';

/**
 * How to run an operation again that the pipeline ran with a plain answer (200, data, no errors, nothing
 * stale): what the recorder (record-plugin.ts) took from that run. Every request with the same fingerprint
 * sent the same document, operation name and variables, so the same compiled query runs, with a new context.
 */
export interface Plan {
  /** Yoga's parsed document, while its document cache holds it; the compiled query lives exactly as long. */
  document: WeakRef<DocumentNode>;
  operationName: string | undefined;
  /**
   * The variables the operation declares, as sent (the fingerprint covers the body), frozen, in an object
   * without a prototype (jitVariables): graphql-jit coerces them into an object of its own. Others sent are
   * left out: nothing reads them.
   */
  variables: Readonly<Record<string, unknown>>;
  /** The heap the variables take, by heapBytesOf's estimate: what the plan costs the hit path's memory bound. */
  bytes: number;
}

/** What an operation's resolvers get and what the fast path reads back: the loaders' stats, the request id. */
export interface PreparedContext {
  requestId: string;
  stats: { hits: number; misses: number; engineCalls: number; stale: ReadonlyMap<unknown, unknown> };
}

export interface ExecutionOptions {
  schema: GraphQLSchema;
  /** The context Yoga would build for the request (yoga.ts): the same loaders, budgets and request id. */
  contextOf(request: HeaderSource & { method: string }, client: Client, requestId: string): PreparedContext;
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

/** Each plan's cost plan: its document, operation and variables are fixed, so it is found once, not per run. */
const costPlans = new WeakMap<Plan, CostPlan | undefined>();

/** A run's data and actual cost, with its context; for the request log and the metrics. */
export interface Ran {
  data: Record<string, unknown>;
  actual: number;
  context: PreparedContext;
}

/**
 * Runs the prepared operation with `context`. `plain` when its answer is data alone; else `result` is what
 * ran (errors, parts served stale, the drain deadline's SHUTTING_DOWN), which the pipeline's plugins turn
 * into the answer (masked, coded, reported, given a status, marked stale): the caller refunds what it
 * charged and hands the request, with this result, to the pipeline (handover.ts).
 */
export async function run(
  prepared: Prepared,
  context: PreparedContext,
  options: ExecutionOptions,
): Promise<{ plain: Ran } | { result: ExecutionResult }> {
  const { plan, document, compiled } = prepared;
  const ran = (await untilDeadline(
    () => compiled.query(undefined, context, plan.variables as Record<string, unknown>),
    options.expired,
  )) as ExecutionResult;
  const result = settledJitResult(ran, document, plan.operationName);
  if (result.errors?.length || !result.data || context.stats.stale.size > 0) return { result };
  let cost = costPlans.get(plan);
  if (!costPlans.has(plan)) {
    cost = costPlan(options.schema, document, plan.operationName, plan.variables as Record<string, unknown>);
    costPlans.set(plan, cost);
  }
  const actual = costOf(cost, result.data);
  return { plain: { data: result.data, actual, context } };
}

/** Frozen all the way down, so no run can change what the next one is given. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
