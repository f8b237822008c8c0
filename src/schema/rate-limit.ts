import * as resolvers from '../resolvers/rate-limit.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';

type RateLimitShape = Awaited<ReturnType<typeof resolvers.rateLimit>>;

const Budget = builder.objectRef<RateLimitShape['budgets'][number]>('RateLimitBudget').implement({
  description: 'A budget of cost points: a bucket of `limit` points that restores `limit` points per window, a little every second.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'minute, day, or explanations (new explanation jobs).' }),
    limit: t.exposeInt('limit', {
      description: 'The most the bucket holds (smaller while the shared store is away, for a client this instance has not seen).',
    }),
    remaining: t.exposeInt('remaining'),
    resetSeconds: t.exposeInt('resetSeconds', { description: 'Seconds until the bucket is full again, if nothing more is spent.' }),
    windowSeconds: t.exposeInt('windowSeconds', { description: 'The time in which an empty bucket fills up.' }),
    restoreRate: t.exposeFloat('restoreRate', { description: 'Points restored per second.' }),
  }),
});

const QueryPrice = builder.objectRef<NonNullable<RateLimitShape['query']>>('QueryPrice').implement({
  fields: (t) => ({
    requestedQueryCost: t.exposeInt('requestedQueryCost', { nullable: true, description: 'Null when the document is not valid.' }),
    withinMaximum: t.exposeBoolean('withinMaximum', { description: 'At most MAX_QUERY_COST; a costlier query is always refused.' }),
    affordableNow: t.exposeBoolean('affordableNow', { description: 'Within the maximum and the budgets left now.' }),
    errors: t.exposeStringList('errors', { description: 'Why the document cannot be priced (parse or validation errors).' }),
  }),
});

const RateLimitRef = builder.objectRef<RateLimitShape>('RateLimit').implement({
  description: "The caller's budgets, and the price of a query, charging nothing for the priced query.",
  fields: (t) => ({
    client: t.exposeString('client', { description: 'key:<name> for an API key, ip:<address> otherwise.' }),
    tier: t.exposeString('tier'),
    maxQueryCost: t.exposeInt('maxQueryCost', {
      description: 'The most one operation may cost you: MAX_QUERY_COST, or less when your minute or day budget holds less.',
    }),
    budgets: t.field({ type: [Budget], extensions: cost({ listSize: { assumedSize: 3 } }), resolve: (r) => r.budgets }),
    query: t.field({ type: QueryPrice, nullable: true, resolve: (r) => r.query }),
  }),
});

builder.queryField('rateLimit', (t) =>
  t.field({
    type: RateLimitRef,
    description:
      'Your budgets now, and what `query` would cost (with `variables` as JSON), without running it. An operation that asks only this (and `__typename`) is free and answers while your budgets are spent, up to RATE_LIMIT_INFO_PER_MINUTE calls a minute.',
    args: {
      query: t.arg.string({ validate: { maxLength: 100_000 } }),
      variables: t.arg.string({ validate: { maxLength: 100_000 } }),
    },
    resolve: (_root, args, ctx, info) => resolvers.rateLimit(ctx, info.schema, args.query, args.variables),
  }),
);
