import { explanationIdArg, explanationIds } from '../explanations/ids.ts';
import { plainText } from '../explanations/plain-text.ts';
import * as resolvers from '../resolvers/explanations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { LocationTypeEnum, PersonaIdEnum, PropertySizeEnum } from './enums.ts';
import { RecommendationRef } from './recommendation.ts';
import { AreaRef, areaCode, ExplanationRef, stationId } from './refs.ts';

const ExplanationStatus = builder.enumType('ExplanationStatus', {
  description: 'PENDING while the job runs; READY with its text; FAILED with an error (request it again to retry).',
  values: ['PENDING', 'READY', 'FAILED'] as const,
});

const ExplanationSource = builder.enumType('ExplanationSource', {
  description: "What wrote the text: a language model, or the template grounded in the area's figures.",
  values: ['LLM', 'TEMPLATE'] as const,
});

const isoTime = (seconds: number | null) => (seconds == null ? null : new Date(seconds * 1000).toISOString());

ExplanationRef.implement({
  description: 'Why an area suits a persona, written in the background.',
  fields: (t) => ({
    id: t.id({
      description:
        'Deterministic: the same question always has the same id, which stays readable (after restarts too). Signed by this server: an id written by hand reads only a job that exists.',
      // The engine and the cache know the job by its engine id; a client only ever sees it signed.
      resolve: (job, _args, ctx) => explanationIds(ctx.config.explanations.idSecrets).sign(job.id),
    }),
    status: t.expose('status', { type: ExplanationStatus }),
    persona: t.expose('persona', { type: PersonaIdEnum }),
    area: t.field({ type: AreaRef, nullable: true, resolve: (job, _a, ctx) => ctx.loaders.area.load(job.areaCode) }),
    text: t.string({
      nullable: true,
      description: 'Plain text; set when READY.',
      resolve: (job) => (job.text == null ? null : plainText(job.text)),
    }),
    source: t.expose('source', { type: ExplanationSource, nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    attempts: t.exposeInt('attempts'),
    createdAt: t.string({ description: 'ISO 8601.', resolve: (job) => isoTime(job.createdAt)! }),
    finishedAt: t.string({ nullable: true, description: 'ISO 8601.', resolve: (job) => isoTime(job.finishedAt) }),
  }),
});

const ExplanationContextInput = builder.inputType('ExplanationContextInput', {
  description: 'The question behind the explanation: the figures it should speak to.',
  fields: (t) => ({
    budget: t.float({ validate: { positive: true, max: 100_000_000 } }),
    locationType: t.field({ type: LocationTypeEnum }),
    size: t.field({ type: PropertySizeEnum }),
    commuteTo: t.id({ validate: { schema: stationId } }),
  }),
});

const EXPLANATION_COST = 25;

builder.objectField(RecommendationRef, 'explanation', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description:
      'Why this area ranks here, for this persona and question. PENDING at first (put it in a @defer fragment to have it streamed when READY).',
    extensions: cost({ weight: EXPLANATION_COST }),
    resolve: (r, _args, ctx, info) => resolvers.explain(ctx, { areaCode: r.code, persona: r.persona, context: r.context }, info),
  }),
);

builder.objectField(AreaRef, 'explanation', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description: 'Why this area suits `persona` (background job; see Recommendation.explanation).',
    extensions: cost({ weight: EXPLANATION_COST }),
    args: {
      persona: t.arg({ type: PersonaIdEnum, required: true }),
      context: t.arg({ type: ExplanationContextInput }),
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
      'An explanation job by id; null for an id no engine can read, or one this server did not issue whose job does not exist (such an id never starts a job).',
    extensions: cost({ weight: 2 }),
    args: { id: t.arg.id({ required: true, validate: { schema: explanationIdArg } }) },
    resolve: (_root, args, ctx) => resolvers.explanation(ctx, String(args.id)),
  }),
}));

builder.mutationField('requestExplanation', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description: 'Start (or find) the explanation job for a question; asking again for a FAILED job starts it again.',
    extensions: cost({ weight: EXPLANATION_COST }),
    args: {
      areaCode: t.arg.id({ required: true, validate: { schema: areaCode } }),
      persona: t.arg({ type: PersonaIdEnum, required: true }),
      context: t.arg({ type: ExplanationContextInput }),
    },
    resolve: (_root, args, ctx) =>
      ctx.loaders.explanation.load({ areaCode: String(args.areaCode), persona: args.persona, context: resolvers.toContext(args.context) }),
  }),
);

builder.subscriptionType({});

builder.subscriptionField('explanationUpdated', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    description: 'The job now, then each status change until READY or FAILED, then the stream completes (SSE).',
    extensions: cost({ weight: 10 }),
    args: { id: t.arg.id({ required: true, validate: { schema: explanationIdArg } }) },
    subscribe: (_root, args, ctx) => resolvers.explanationUpdates(ctx, String(args.id)),
    resolve: (job) => job,
  }),
);
