import { z } from 'zod';
import type { Context } from '../context.ts';
import { explanationIdArg, explanationIds } from '../explanations/ids.ts';
import { plainText } from '../explanations/plain-text.ts';
import type { Job } from '../modal/contract.ts';
import * as resolvers from '../resolvers/explanations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { LocationTypeEnum, PersonaIdEnum, PropertySizeEnum } from './enums.ts';
import { NodeRef, nodeId, nodeKeyOf } from './node.ts';
import { RecommendationRef } from './recommendation.ts';
import { AreaRef, areaCode, ExplanationRef, stationCode } from './refs.ts';

// The engine and the cache know a job by its engine id; a client only ever sees it signed.
const keyOf = (job: Job, ctx: Context) => explanationIds(ctx.config.explanations.idSecrets).sign(job.id);

/** The key an `explanation(id:)` argument stands for: it is the key itself, or an Explanation's global id. */
function explanationKeyOf(arg: string): string | undefined {
  if (explanationIdArg.safeParse(arg).success) return arg;
  const node = nodeKeyOf(arg);
  return node?.type === 'Explanation' ? node.key : undefined;
}

const explanationArg = z
  .string()
  .refine((arg) => explanationKeyOf(arg) !== undefined, "must be an explanation's `id` or `key` (`ex1_...`), as this server gave it");

const ExplanationStatus = builder.enumType('ExplanationStatus', {
  description: 'Where an explanation job is: PENDING while it runs, then READY or FAILED for good.',
  values: {
    PENDING: {
      description: 'The job is running: `text` is null. Wait with @defer or `explanationUpdated`, or read it again by `id` or `key`.',
    },
    READY: { description: 'The job is done: `text` holds the explanation and `source` says what wrote it.' },
    FAILED: { description: 'The job failed: `error` says why. Requesting the same explanation again starts it again.' },
  } as const,
});

const ExplanationSource = builder.enumType('ExplanationSource', {
  description: "What wrote an explanation's text.",
  values: {
    LLM: { description: "A language model, given the area's figures (when the engine has a model configured)." },
    TEMPLATE: { description: "A template that names the area's figures: used without a model, or when the model fails." },
  } as const,
});

ExplanationRef.implement({
  description:
    'Why an area suits a persona, written in the background by a job: a request answers at once with the job PENDING, and the text comes later (READY).',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({
      description:
        "The explanation's global id, for `node(id:)` (see `Node`), which only reads the job; `explanation(id:)` and `explanationUpdated(id:)` take it too.",
      resolve: (job, _args, ctx) => nodeId('Explanation', keyOf(job, ctx)),
    }),
    key: t.id({
      description:
        'The job as this server signed it (`ex1_...`). Deterministic: the same question always has the same key, which stays readable (after restarts too). A key written by hand reads only a job that exists.',
      resolve: (job, _args, ctx) => keyOf(job, ctx),
    }),
    status: t.expose('status', { type: ExplanationStatus, description: 'Whether the job is running, done or failed.' }),
    persona: t.expose('persona', { type: PersonaIdEnum, description: 'The persona the explanation speaks to.' }),
    area: t.field({
      type: AreaRef,
      nullable: true,
      description: 'The borough explained; null when the engine could not be asked (see the error at this path).',
      resolve: (job, _a, ctx) => ctx.loaders.area.load(job.areaCode),
    }),
    text: t.string({
      nullable: true,
      description: 'The explanation in plain text (no markup), a paragraph or two; null until the job is READY.',
      resolve: (job) => (job.text == null ? null : plainText(job.text)),
    }),
    source: t.expose('source', {
      type: ExplanationSource,
      nullable: true,
      description: 'What wrote `text`; null until the job is READY.',
    }),
    error: t.exposeString('error', {
      nullable: true,
      description: 'Why the job failed, for logs rather than display; null unless FAILED.',
    }),
    attempts: t.exposeInt('attempts', { description: 'How many times the job has been started: 1, plus one per retry after a failure.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the job was first started.' }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the job ended READY or FAILED; null while PENDING.',
    }),
  }),
});

const ExplanationContextInput = builder.inputType('ExplanationContextInput', {
  description:
    'The question behind the explanation: the figures it should speak to. Every field is optional; the same question always has the same job.',
  fields: (t) => ({
    budget: t.float({
      description: 'The budget, GBP: per calendar month when renting, the purchase price when buying. Above 0, at most 100,000,000.',
      validate: { positive: true, max: 100_000_000 },
    }),
    locationType: t.field({ type: LocationTypeEnum, description: 'Renting or buying: which price the text compares with the budget.' }),
    size: t.field({ type: PropertySizeEnum, description: 'The size whose rent the text speaks of.' }),
    commuteTo: t.id({
      description: "A station's `code` (digits, see `stations`) whose commute the text speaks of.",
      validate: { schema: stationCode },
    }),
  }),
});

const EXPLANATION_COST = 25;

builder.objectField(RecommendationRef, 'explanation', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description:
      'Why this area ranks here, for this persona and question: starts the job unless it exists. PENDING at first (put it in a @defer fragment to have it streamed when READY). Costs 25 points, and each new job one from your explanations budget; null when that budget is spent or the engine could not be asked (see the error at this path).',
    extensions: cost({ weight: EXPLANATION_COST }),
    resolve: (r, _args, ctx, info) => resolvers.explain(ctx, { areaCode: r.code, persona: r.persona, context: r.context }, info),
  }),
);

builder.objectField(AreaRef, 'explanation', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description:
      'Why this area suits `persona`: starts the job unless it exists (see `Recommendation.explanation`). Costs 25 points, and each new job one from your explanations budget; null when that budget is spent or the engine could not be asked.',
    extensions: cost({ weight: EXPLANATION_COST }),
    args: {
      persona: t.arg({ type: PersonaIdEnum, required: true, description: 'The persona the explanation speaks to.' }),
      context: t.arg({ type: ExplanationContextInput, description: 'The question the explanation answers; none for a general one.' }),
    },
    resolve: (a, args, ctx, info) =>
      resolvers.explain(ctx, { areaCode: a.code, persona: args.persona, context: resolvers.toContext(args.context) }, info),
  }),
);

builder.queryFields((t) => ({
  explanation: t.field({
    type: ExplanationRef,
    nullable: true,
    description:
      'An explanation job by its `id` or its `key`; null for one no engine can read, or one this server did not sign whose job does not exist (such a key never starts a job), or when the engine could not be asked (see the error at this path). Costs 2 points.',
    extensions: cost({ weight: 2 }),
    args: {
      id: t.arg.id({
        required: true,
        description: "The explanation's global `id`, or its `key` (`ex1_...`), as this server gave them: either reads the same job.",
        validate: { schema: explanationArg },
      }),
    },
    resolve: (_root, args, ctx) => resolvers.explanation(ctx, explanationKeyOf(String(args.id))!, { mayRebuild: true }),
  }),
}));

builder.mutationField('requestExplanation', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description:
      'Start (or find) the explanation job for a question; asking again for a FAILED job starts it again. Costs 25 points, and a new job one from your explanations budget. Null for an unknown borough, when that budget is spent, or when the engine could not be asked (see the error at this path).',
    extensions: cost({ weight: EXPLANATION_COST }),
    args: {
      areaCode: t.arg.id({
        required: true,
        description: 'The ONS code of the borough to explain, e.g. E09000007.',
        validate: { schema: areaCode },
      }),
      persona: t.arg({ type: PersonaIdEnum, required: true, description: 'The persona the explanation speaks to.' }),
      context: t.arg({ type: ExplanationContextInput, description: 'The question the explanation answers; none for a general one.' }),
    },
    resolve: (_root, args, ctx) =>
      ctx.loaders.explanation.load({ areaCode: String(args.areaCode), persona: args.persona, context: resolvers.toContext(args.context) }),
  }),
);

builder.subscriptionType({ description: 'Streams over Server-Sent Events (`Accept: text/event-stream`, or graphql-sse).' });

builder.subscriptionField('explanationUpdated', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description:
      'The job now, then each status change until READY or FAILED, then the stream completes. Costs 10 points, charged once when it starts. For a job no engine can read: one null event, then the end.',
    extensions: cost({ weight: 10 }),
    args: {
      id: t.arg.id({
        required: true,
        description: "The explanation's global `id`, or its `key` (`ex1_...`), as this server gave them: either follows the same job.",
        validate: { schema: explanationArg },
      }),
    },
    subscribe: (_root, args, ctx) => resolvers.explanationUpdates(ctx, explanationKeyOf(String(args.id))!),
    resolve: (job) => job,
  }),
);
