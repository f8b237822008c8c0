import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Client } from './clients.ts';
import { actualCost, estimateCost } from './cost.ts';
import { rateLimitHeaders, retryAfterSeconds, throttleStatus, type Charged } from './headers.ts';
import type { RateLimits } from './rate-limits.ts';

export interface CostLimitsOptions {
  schema: GraphQLSchema;
  limits: RateLimits;
  metrics: Metrics;
  graphqlEndpoint: string;
  /** Who the request is charged to (the same function the context uses). */
  clientOf: (request: Request, serverContext: unknown) => Client;
}

/**
 * Prices every operation before it runs (refusing one over MAX_QUERY_COST, charging nothing), charges the
 * price to the client's budgets (HTTP 429 when spent, nothing executes), reports `extensions.cost` on every
 * answer and the rate-limit headers on every response. A request that never reaches execution (it did not
 * parse or validate) still costs 1 point.
 */
export function useCostLimits(options: CostLimitsOptions): Plugin<Context> {
  const { schema, limits, metrics } = options;
  const charges = new WeakMap<Request, Charged[]>();

  const refuse = (setResult: (result: ExecutionResult) => void, error: GraphQLError) => setResult({ errors: [error] });

  /** Prices and charges an operation; answers the refusal and returns undefined when it may not run. */
  async function admit(
    args: { contextValue: unknown; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null },
    setResultAndStopExecution: (result: ExecutionResult) => void,
  ): Promise<number | undefined> {
    const ctx = args.contextValue as Context & { request: Request };
    const client = ctx.client;
    if (client.invalidKey) {
      metrics.rateLimitDecisions.inc({ result: 'unauthenticated' });
      charges.set(ctx.request, []);
      refuse(setResultAndStopExecution, new GraphQLError('The x-api-key header does not match any API key.', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      }));
      return undefined;
    }

    const requested = Math.max(1, estimateCost(schema, args.document, args.operationName, args.variableValues));
    metrics.queryCost.observe({ kind: 'requested' }, requested);
    if (requested > limits.maxQueryCost) {
      metrics.rateLimitDecisions.inc({ result: 'too_expensive' });
      charges.set(ctx.request, []);
      refuse(setResultAndStopExecution, new GraphQLError(
        `This query would cost ${requested} points; the maximum is ${limits.maxQueryCost}. Ask for fewer items (first, limit) or fewer fields.`,
        { extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { requestedQueryCost: requested, maximumAvailable: limits.maxQueryCost }, http: { status: 400 } } },
      ));
      return undefined;
    }

    const result = await limits.charge(client, requested);
    charges.set(ctx.request, result.charged);
    if (!result.allowed) {
      const retryAfter = retryAfterSeconds(result.refusedBy!.decision);
      refuse(setResultAndStopExecution, new GraphQLError(
        `Rate limited: this query costs ${requested} points and the ${result.refusedBy!.budget.name} budget has ${result.refusedBy!.decision.remaining} left. Retry in ${retryAfter} s.`,
        {
          extensions: {
            code: 'RATE_LIMITED',
            retryAfterSeconds: retryAfter,
            budget: result.refusedBy!.budget.name,
            cost: { requestedQueryCost: requested, actualQueryCost: 0, throttleStatus: throttleStatus(result.charged) },
            http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
          },
        },
      ));
      return undefined;
    }
    ctx.cost = { requested };
    return requested;
  }

  return {
    async onSubscribe({ args, setResultAndStopExecution }) {
      // A subscription is charged once, when it starts, like any other operation.
      await admit(args, setResultAndStopExecution);
    },

    async onExecute({ args, setResultAndStopExecution }) {
      const requested = await admit(args, setResultAndStopExecution);
      if (requested === undefined) return;
      const ctx = args.contextValue as Context & { request: Request };

      return {
        onExecuteDone({ result: done, setResult }) {
          const withCost = (result: ExecutionResult, actual: number) => {
            ctx.cost = { requested, actual };
            metrics.queryCost.observe({ kind: 'actual' }, actual);
            return {
              ...result,
              extensions: {
                ...result.extensions,
                cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus(charges.get(ctx.request) ?? []) },
              },
            };
          };
          if (!(Symbol.asyncIterator in done)) {
            setResult(withCost(done, actualCost(schema, args.document, args.operationName, args.variableValues, done.data)));
            return;
          }
          // An incremental (@defer) answer: the cost goes on its first payload, counted from what it holds.
          let first = true;
          return {
            onNext({ result, setResult: setNext }) {
              if (!first) return;
              first = false;
              const data = 'data' in result ? result.data : undefined;
              setNext(withCost(result as ExecutionResult, actualCost(schema, args.document, args.operationName, args.variableValues, data)));
            },
          };
        },
      };
    },

    async onResponse({ request, response, serverContext }) {
      let charged = charges.get(request);
      if (!charged) {
        if (!isGraphQLCall(request, response, options.graphqlEndpoint)) return;
        charged = (await limits.charge(options.clientOf(request, serverContext), 1)).charged;
      }
      for (const [name, value] of Object.entries(rateLimitHeaders(charged))) response.headers.set(name, value);
    },
  };
}

/** A GraphQL request that did not reach execution (not GraphiQL's page, not a CORS preflight, not /metrics). */
function isGraphQLCall(request: Request, response: Response, endpoint: string): boolean {
  if (request.method === 'OPTIONS') return false;
  if (new URL(request.url).pathname !== endpoint) return false;
  return !(response.headers.get('content-type') ?? '').startsWith('text/html');
}
