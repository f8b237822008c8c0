import { getOperationAST, GraphQLError, parse, validate, type GraphQLSchema } from 'graphql';
import type { Context } from '../context.ts';
import { userError } from '../errors.ts';
import { estimateCost } from '../ratelimit/cost.ts';

/** The caller's budgets now, and what `query` would cost, without running it or charging for it. */
export async function rateLimit(ctx: Context, schema: GraphQLSchema, query?: string | null, variablesJson?: string | null) {
  const budgets = (await ctx.rateLimits.peek(ctx.client)).map(({ budget, decision }) => ({
    name: budget.name,
    limit: decision.limit,
    remaining: decision.remaining,
    resetSeconds: Math.max(0, Math.ceil((decision.reset - Date.now()) / 1000)),
    windowSeconds: Math.round(budget.windowMs / 1000),
  }));
  return {
    client: ctx.client.id,
    tier: ctx.client.tier,
    maxQueryCost: ctx.rateLimits.maxQueryCost,
    budgets,
    query: query == null ? null : price(schema, ctx, query, variablesJson, budgets),
  };
}

function price(
  schema: GraphQLSchema,
  ctx: Context,
  query: string,
  variablesJson: string | null | undefined,
  budgets: { name: string; remaining: number }[],
) {
  let variables: Record<string, unknown> = {};
  if (variablesJson) {
    try {
      variables = JSON.parse(variablesJson);
    } catch {
      throw userError('`variables` is not JSON.', 'variables');
    }
  }
  let document;
  try {
    document = parse(query);
  } catch (error) {
    return { requestedQueryCost: null, withinMaximum: false, affordableNow: false, errors: [(error as GraphQLError).message] };
  }
  const errors = validate(schema, document).map((e) => e.message);
  if (!getOperationAST(document)) errors.push('The document must hold exactly one operation.');
  if (errors.length > 0) return { requestedQueryCost: null, withinMaximum: false, affordableNow: false, errors };
  const cost = Math.max(1, estimateCost(schema, document, undefined, variables));
  const spendable = budgets.filter((b) => b.name !== 'explanations').map((b) => b.remaining);
  return {
    requestedQueryCost: cost,
    withinMaximum: cost <= ctx.rateLimits.maxQueryCost,
    affordableNow: cost <= ctx.rateLimits.maxQueryCost && cost <= Math.min(...spendable),
    errors: [],
  };
}
