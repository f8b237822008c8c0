import * as resolvers from '../resolvers/rate-limit.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';

type RateLimitShape = Awaited<ReturnType<typeof resolvers.rateLimit>>;

const BudgetName = builder.enumType('RateLimitBudgetName', {
  description: 'A budget of a client, named as in `RATE_LIMITED` errors (`extensions.budget`) and the RateLimit headers.',
  values: {
    minute: { description: 'Cost points per minute (RATE_LIMIT_POINTS_PER_MINUTE for anonymous clients).' },
    day: { description: 'Cost points per day (RATE_LIMIT_POINTS_PER_DAY for anonymous clients).' },
    explanations: { description: 'New explanation jobs per hour; an explanation already written costs none.' },
  } as const,
});

const Budget = builder.objectRef<RateLimitShape['budgets'][number]>('RateLimitBudget').implement({
  description: 'A budget of cost points: a bucket of `limit` points that restores `limit` points per window, a little every second.',
  fields: (t) => ({
    name: t.field({
      type: BudgetName,
      description: 'Which budget this is.',
      // `rateLimit` reads exactly these three budgets (RateLimits.peek).
      resolve: (b) => b.name as 'minute' | 'day' | 'explanations',
    }),
    limit: t.exposeInt('limit', {
      description: 'The most the bucket holds (smaller while the shared store is away, for a client this instance has not seen).',
    }),
    remaining: t.exposeInt('remaining', { description: 'Points (or jobs) the bucket holds now: what you can spend at once.' }),
    resetSeconds: t.exposeInt('resetSeconds', { description: 'Seconds until the bucket is full again, if nothing more is spent.' }),
    windowSeconds: t.exposeInt('windowSeconds', { description: 'The time in which an empty bucket fills up.' }),
    restoreRate: t.exposeFloat('restoreRate', { description: 'Points restored per second.' }),
  }),
});

const QueryPrice = builder.objectRef<NonNullable<RateLimitShape['query']>>('QueryPrice').implement({
  description: 'What a query would cost, estimated as it would be when sent: every list at its requested or largest size.',
  fields: (t) => ({
    requestedQueryCost: t.exposeInt('requestedQueryCost', {
      nullable: true,
      description: 'The estimate in points, at least 1 (what would be charged before any refund); null when the document is not valid.',
    }),
    withinMaximum: t.exposeBoolean('withinMaximum', { description: 'At most MAX_QUERY_COST; a costlier query is always refused.' }),
    affordableNow: t.exposeBoolean('affordableNow', { description: 'Within the maximum and the budgets left now.' }),
    errors: t.exposeStringList('errors', {
      description: 'Why the document cannot be priced (parse or validation errors); empty when it can.',
    }),
  }),
});

const RateLimitRef = builder.objectRef<RateLimitShape>('RateLimit').implement({
  description: "The caller's budgets, and the price of a query, charging nothing for the priced query.",
  fields: (t) => ({
    client: t.exposeString('client', {
      description: 'Who is charged: `key:<name>` for an API key, `ip:<address>` otherwise (an IPv6 client by its /64 network).',
    }),
    tier: t.exposeString('tier', {
      description: "The tier whose budgets apply: `anonymous` without an API key, else the key's tier (API_KEYS).",
    }),
    maxQueryCost: t.exposeInt('maxQueryCost', {
      description: 'The most one operation may cost you: MAX_QUERY_COST, or less when your minute or day budget holds less.',
    }),
    budgets: t.field({
      type: [Budget],
      description: 'The minute, day and explanations budgets, in that order.',
      extensions: cost({ listSize: { assumedSize: 3 } }),
      resolve: (r) => r.budgets,
    }),
    query: t.field({
      type: QueryPrice,
      nullable: true,
      description: 'The price of the `query` argument; null when no `query` was given.',
      resolve: (r) => r.query,
    }),
  }),
});

builder.queryField('rateLimit', (t) =>
  t.field({
    type: RateLimitRef,
    // Nullable, like every root field that can fail (here its arguments, checked when it runs).
    nullable: true,
    description:
      'Your budgets now, and what `query` would cost (with `variables` as JSON), without running it. An operation that asks only this (and `__typename`) is free and answers while your budgets are spent, up to RATE_LIMIT_INFO_PER_MINUTE calls a minute. Null when an argument is refused (see the error at this path).',
    args: {
      query: t.arg.string({
        description: 'A GraphQL document to price without running it (at most 100,000 characters); no price without it.',
        validate: { maxLength: 100_000 },
      }),
      variables: t.arg.string({
        description: "The document's variables as a JSON object in a string (at most 100,000 characters).",
        validate: { maxLength: 100_000 },
      }),
    },
    resolve: (_root, args, ctx, info) => resolvers.rateLimit(ctx, info.schema, args.query, args.variables),
  }),
);
