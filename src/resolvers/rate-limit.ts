import { type DocumentNode, type GraphQLError, type GraphQLSchema, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import type { Context } from '../context.ts';
import { userError } from '../errors.ts';
import { maxFieldsRule } from '../http/max-fields.ts';
import { restoreRate } from '../ratelimit/bucket.ts';
import { estimateCost } from '../ratelimit/cost.ts';
import { secondsUntilFull } from '../ratelimit/headers.ts';

/** The caller's budgets now, and what `query` would cost, without running it or charging for it. */
export async function rateLimit(ctx: Context, schema: GraphQLSchema, query?: string | null, variablesJson?: string | null) {
  const now = Date.now();
  const budgets = (await ctx.rateLimits.peek(ctx.client)).map((charged) => ({
    name: charged.budget.name,
    limit: charged.decision.limit,
    remaining: charged.decision.remaining,
    resetSeconds: secondsUntilFull(charged, now),
    windowSeconds: Math.round(charged.budget.windowMs / 1000),
    restoreRate: Math.round(restoreRate({ points: charged.decision.limit, windowMs: charged.budget.windowMs }) * 1000) / 1000,
  }));
  return {
    client: ctx.client.id,
    tier: ctx.client.tier,
    maxQueryCost: ctx.rateLimits.maxCostFor(ctx.client),
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
  let document: DocumentNode;
  try {
    // The limits a document sent to /graphql meets before it is priced: tokens at parse, fields at validation.
    document = parse(query, { maxTokens: ctx.config.security.limits.tokens });
  } catch (error) {
    return { requestedQueryCost: null, withinMaximum: false, affordableNow: false, errors: [(error as GraphQLError).message] };
  }
  const errors = validate(schema, document, [...specifiedRules, maxFieldsRule(ctx.config.maxFields)]).map((e) => e.message);
  if (!getOperationAST(document)) errors.push('The document must hold exactly one operation.');
  if (errors.length > 0) return { requestedQueryCost: null, withinMaximum: false, affordableNow: false, errors };
  const cost = Math.max(1, estimateCost(schema, document, undefined, variables));
  const spendable = budgets.filter((b) => b.name !== 'explanations').map((b) => b.remaining);
  return {
    requestedQueryCost: cost,
    withinMaximum: cost <= ctx.rateLimits.maxCostFor(ctx.client),
    affordableNow: cost <= ctx.rateLimits.maxCostFor(ctx.client) && cost <= Math.min(...spendable),
    errors: [],
  };
}
