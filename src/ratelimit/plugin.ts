import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLSchema } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.ts';
import type { Client } from './clients.ts';
import { actualCost, estimateCost } from './cost.ts';
import { type Charged, rateLimitHeaders, retryAfterSeconds, throttleStatus } from './headers.ts';
import { initialPayloadDocument, isRateLimitInfo } from './operation-shape.ts';
import type { ChargeResult, RateLimits } from './rate-limits.ts';

export interface CostLimitsOptions {
  schema: GraphQLSchema;
  limits: RateLimits;
  metrics: Metrics;
  graphqlEndpoint: string;
  /** Who the request is charged to (the same function the context uses). */
  clientOf: (request: Request, serverContext: unknown) => Client;
}

/** What this plugin reads on an operation's context (who pays), and the cost it leaves there for the log. */
interface CostContext {
  request: Request;
  client: Client;
  /** `refunded`: the points given back after the charge (the hit path charges a replayed answer the same way). */
  cost?: { requested: number; actual?: number; refunded?: number };
}

type OperationArgs = {
  contextValue: unknown;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
};

/**
 * Prices every operation before it runs (refusing one over MAX_QUERY_COST for one point), charges the
 * price to the client's minute and day budgets together (HTTP 429 when either cannot afford it; then
 * neither is charged and nothing executes), refunds what the answer did not use, and reports
 * `extensions.cost` on every answer and the rate-limit headers on every response. An operation that only
 * asks `rateLimit` is free, within its own small budget, so a throttled client can still ask what it has. A
 * request that never reaches execution (it did not parse or validate) costs 1 point.
 */
export function useCostLimits(options: CostLimitsOptions): Plugin<CostContext> {
  const { schema, limits, metrics } = options;
  // The minute and day budgets as the request last left them: what its headers describe.
  const charges = new WeakMap<Request, Charged[]>();

  const refuse = (setResult: (result: ExecutionResult) => void, error: GraphQLError) => setResult({ errors: [error] });

  const rateLimited = (result: ChargeResult, cost: number, requested: number) => {
    const refused = result.refusedBy!;
    const retryAfter = retryAfterSeconds(refused, cost);
    const what =
      refused.budget.name === 'info'
        ? `rateLimit is free, ${refused.decision.limit} calls a minute, and`
        : `this query costs ${cost} points and`;
    // A cost above what the budget can ever hold never gets here: admit() refuses it as too expensive.
    const message = `Rate limited: ${what} the ${refused.budget.name} budget has ${refused.decision.remaining} left. Retry in ${retryAfter} s.`;
    return new GraphQLError(message, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: retryAfter,
        budget: refused.budget.name,
        cost: { requestedQueryCost: requested, actualQueryCost: 0, throttleStatus: throttleStatus(result.charged) },
        http: { status: 429, headers: { 'Retry-After': String(retryAfter) } },
      },
    });
  };

  /** Prices and charges an operation; answers the refusal and returns undefined when it may not run. */
  async function admit(args: OperationArgs, setResultAndStopExecution: (result: ExecutionResult) => void): Promise<number | undefined> {
    const ctx = args.contextValue as CostContext;
    const client = ctx.client;
    if (client.invalidKey) {
      // A wrong key costs its sender's address a point, like any refused request, so keys cannot be guessed
      // for free; once that budget is spent the guesses are rate limited.
      // Counted as `unauthenticated`, or `limited` once the point is refused: one decision a request.
      const result = await limits.charge(client, 1, { counted: false });
      charges.set(ctx.request, result.charged);
      if (!result.allowed) {
        limits.count(result);
        refuse(setResultAndStopExecution, rateLimited(result, 1, 1));
        return undefined;
      }
      metrics.rateLimitDecisions.inc({ result: 'unauthenticated' });
      refuse(
        setResultAndStopExecution,
        new GraphQLError('The x-api-key header does not match any API key.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        }),
      );
      return undefined;
    }

    if (isRateLimitInfo(args.document, args.operationName)) {
      const result = await limits.chargeInfo(client);
      charges.set(ctx.request, result.charged);
      if (!result.allowed) {
        refuse(setResultAndStopExecution, rateLimited(result, 1, 0));
        return undefined;
      }
      ctx.cost = { requested: 0 };
      return 0;
    }

    const requested = Math.max(1, estimateCost(schema, args.document, args.operationName, args.variableValues));
    metrics.queryCost.observe({ kind: 'requested' }, requested);
    // The log line says what a refused operation would have cost, too.
    ctx.cost = { requested };
    const maximum = limits.maxCostFor(client);
    if (requested > maximum) {
      // One point, like every other refused request: pricing is work, and a free refusal could be sent in a
      // loop without ever being throttled. Once that budget is spent, the loop is rate limited.
      // Counted as `too_expensive`, or `limited` once the point is refused: one decision a request.
      const result = await limits.charge(client, 1, { counted: false });
      charges.set(ctx.request, result.charged);
      if (!result.allowed) {
        limits.count(result);
        refuse(setResultAndStopExecution, rateLimited(result, 1, 1));
        return undefined;
      }
      metrics.rateLimitDecisions.inc({ result: 'too_expensive' });
      const why = maximum < limits.maxQueryCost ? `your budget holds at most ${maximum}` : `the maximum is ${maximum}`;
      refuse(
        setResultAndStopExecution,
        new GraphQLError(`This query would cost ${requested} points; ${why}. Ask for fewer items (first, limit) or fewer fields.`, {
          extensions: {
            code: 'COST_ESTIMATED_TOO_EXPENSIVE',
            cost: { requestedQueryCost: requested, maximumAvailable: maximum },
            http: { status: 400 },
          },
        }),
      );
      return undefined;
    }

    const result = await limits.charge(client, requested);
    charges.set(ctx.request, result.charged);
    if (!result.allowed) {
      refuse(setResultAndStopExecution, rateLimited(result, requested, requested));
      return undefined;
    }
    ctx.cost = { requested };
    return requested;
  }

  /**
   * Gives back `points` charged but not used, so the headers and throttleStatus of this answer already show
   * the budget after the refund.
   */
  async function refund(ctx: CostContext, points: number) {
    const charged = charges.get(ctx.request);
    if (points <= 0 || !charged?.length) return;
    charges.set(ctx.request, await limits.refund(ctx.client, points, charged[0]!.decision.store));
  }

  return {
    async onSubscribe({ args, setResultAndStopExecution }) {
      // A subscription is charged once, when it starts, like any other operation; what it will deliver is
      // unknown then, so nothing is refunded.
      await admit(args, setResultAndStopExecution);
    },

    async onExecute({ args, setResultAndStopExecution }) {
      const requested = await admit(args, setResultAndStopExecution);
      if (requested === undefined) return;
      const ctx = args.contextValue as CostContext;

      const withCost = (result: ExecutionResult, actual: number, refunded: number) => {
        ctx.cost = { requested, actual, refunded };
        metrics.queryCost.observe({ kind: 'actual' }, actual);
        return {
          ...result,
          extensions: {
            ...result.extensions,
            cost: {
              requestedQueryCost: requested,
              actualQueryCost: actual,
              throttleStatus: throttleStatus(charges.get(ctx.request) ?? []),
            },
          },
        };
      };
      // What the answer did not use, never below the 1 point every operation costs. An answer whose data is
      // null (an error reached the root) refunds nothing: what ran before the error is not in it to count.
      const unused = (estimate: number, actual: number, data: unknown) =>
        requested === 0 || data === null || data === undefined ? 0 : unusedPoints(requested, estimate, actual);

      return {
        async onExecuteDone({ result: done, setResult }) {
          if (!isAsyncIterable(done)) {
            // A free `rateLimit` call reports no cost at all.
            const actual = requested === 0 ? 0 : actualCost(schema, args.document, args.operationName, args.variableValues, done.data);
            const refunded = unused(requested, actual, done.data);
            await refund(ctx, refunded);
            setResult(withCost(done, actual, refunded));
            return;
          }
          // An incremental (@defer) answer: the cost goes on its first payload, counted from what it holds.
          // Only the part of the estimate that payload can account for may be refunded; the deferred parts
          // stay charged, since they may still run.
          let first = true;
          return {
            async onNext({ result, setResult: setNext }) {
              if (!first) return;
              first = false;
              const data = 'data' in result ? result.data : undefined;
              let refunded = 0;
              if (requested > 0) {
                const initial = initialPayloadDocument(args.document);
                const estimate = estimateCost(schema, initial, args.operationName, args.variableValues);
                refunded = unused(estimate, actualCost(schema, initial, args.operationName, args.variableValues, data), data);
                await refund(ctx, refunded);
              }
              const actual = requested === 0 ? 0 : actualCost(schema, args.document, args.operationName, args.variableValues, data);
              setNext(withCost(result as ExecutionResult, actual, refunded));
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

/**
 * What an answer charged `requested` points gives back when the part of it estimated at `estimate` used
 * `actual`: never below the 1 point every operation costs. The fast path (http/hit-path) refunds the same.
 */
export function unusedPoints(requested: number, estimate: number, actual: number): number {
  return Math.min(requested - 1, Math.max(0, estimate - Math.max(1, actual)));
}

/**
 * A GraphQL request that did not reach execution (not GraphiQL's page, not a CORS preflight, not /metrics).
 * A request refused for its origin or a missing CSRF header (403) is not charged: a page on another site can
 * make a visitor's browser send those, and must not be able to spend that visitor's budget.
 */
function isGraphQLCall(request: Request, response: Response, endpoint: string): boolean {
  if (request.method === 'OPTIONS' || response.status === 403) return false;
  if (new URL(request.url).pathname !== endpoint) return false;
  return !(response.headers.get('content-type') ?? '').startsWith('text/html');
}
