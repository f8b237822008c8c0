import { z } from 'zod';
import type { ExplanationContext, Persona, RecommendResult } from '../modal/contract.ts';
import { toContext } from '../resolvers/explanations.ts';
import { toEngineInput } from '../resolvers/recommendations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { FactorEnum, LocationTypeEnum, PersonaIdEnum, PropertySizeEnum } from './enums.ts';
import { AreaRef, StationRef, stationId } from './refs.ts';

type Weights = Record<string, number>;
type Ranked = RecommendResult['results'][number];
type Excluded = RecommendResult['excluded'][number];

const factorNames = ['affordability', 'commute', 'safety', 'schools', 'transport', 'greenSpace', 'priceGrowth'] as const;

const FactorWeights = builder.objectRef<Weights>('FactorWeights').implement({
  description: 'Weights of the score factors (relative: they need not add up to 1).',
  fields: (t) =>
    Object.fromEntries(factorNames.map((f) => [f, t.float({ resolve: (w) => w[f] ?? 0 })])) as Record<
      (typeof factorNames)[number],
      ReturnType<typeof t.float>
    >,
});

const FactorWeightsInput = builder.inputType('FactorWeightsInput', {
  description: "Overrides of the persona's default weights; factors left out keep their default.",
  fields: (t) =>
    Object.fromEntries(factorNames.map((f) => [f, t.float({ validate: { min: 0, max: 100 } })])) as Record<
      (typeof factorNames)[number],
      ReturnType<typeof t.float>
    >,
});

const ScoreFactor = builder.objectRef<Ranked['breakdown'][number]>('ScoreFactor').implement({
  description: 'One factor of a score: why an area ranks where it does.',
  fields: (t) => ({
    factor: t.expose('factor', { type: FactorEnum }),
    weight: t.exposeFloat('weight', { description: 'The effective weight, normalised over the factors with a figure.' }),
    rawValue: t.exposeFloat('rawValue', { nullable: true, description: 'The figure scored, in `unit`.' }),
    unit: t.exposeString('unit'),
    score: t.exposeFloat('score', { nullable: true, description: '0 (worst) to 1 (best); null when missing.' }),
    contribution: t.exposeFloat('contribution', { description: 'Points of the total score from this factor.' }),
    missing: t.exposeBoolean('missing', { description: 'No figure for this area: left out of its score.' }),
  }),
});

const CommuteSummary = builder.objectRef<NonNullable<Ranked['commute']>>('CommuteSummary').implement({
  fields: (t) => ({ minutes: t.exposeInt('minutes'), changes: t.exposeInt('changes') }),
});

/** A ranked area, with the question it answers (for its explanation). */
export type RankedArea = Ranked & { persona: Persona['id']; context: ExplanationContext };

export const RecommendationRef = builder.objectRef<RankedArea>('Recommendation').implement({
  fields: (t) => ({
    rank: t.exposeInt('rank'),
    score: t.exposeFloat('score', { description: '0 to 100.' }),
    price: t.exposeInt('price', { description: 'Median rent for the size (GBP/month) or average price (GBP).' }),
    area: t.field({ type: AreaRef, nullable: true, resolve: (r, _a, ctx) => ctx.loaders.area.load(r.code) }),
    commute: t.field({ type: CommuteSummary, nullable: true, resolve: (r) => r.commute }),
    breakdown: t.field({ type: [ScoreFactor], extensions: cost({ listSize: { assumedSize: 7 } }), resolve: (r) => r.breakdown }),
  }),
});

const ExclusionReason = builder.objectRef<Excluded['reason']>('ExclusionReason').implement({
  fields: (t) => ({
    code: t.exposeString('code', { description: 'NO_PRICE_DATA, OVER_BUDGET, OVER_MAX_COMMUTE or NO_ROUTE.' }),
    message: t.exposeString('message'),
    value: t.exposeFloat('value', { nullable: true }),
    limit: t.exposeFloat('limit', { nullable: true }),
  }),
});

const ExcludedArea = builder.objectRef<Excluded>('ExcludedArea').implement({
  fields: (t) => ({
    area: t.field({ type: AreaRef, nullable: true, resolve: (e, _a, ctx) => ctx.loaders.area.load(e.code) }),
    reason: t.field({ type: ExclusionReason, resolve: (e) => e.reason }),
  }),
});

const RecommendationResultRef = builder.objectRef<RecommendResult>('RecommendationResult').implement({
  fields: (t) => ({
    persona: t.expose('persona', { type: PersonaIdEnum }),
    locationType: t.expose('locationType', { type: LocationTypeEnum }),
    size: t.expose('size', { type: PropertySizeEnum, nullable: true }),
    budget: t.exposeFloat('budget'),
    commuteTo: t.field({
      type: StationRef,
      nullable: true,
      resolve: (r, _a, ctx) => (r.commuteTo == null ? null : ctx.loaders.station.load(r.commuteTo)),
    }),
    maxCommuteMinutes: t.exposeInt('maxCommuteMinutes', { nullable: true }),
    weights: t.field({ type: FactorWeights, resolve: (r) => r.weights }),
    total: t.exposeInt('total', { description: 'Areas ranked, before `limit`.' }),
    results: t.field({
      type: [RecommendationRef],
      resolve: (r) => {
        const context = toContext({ budget: r.budget, locationType: r.locationType, size: r.size, commuteTo: r.commuteTo });
        return r.results.map((x) => ({ ...x, persona: r.persona, context }));
      },
    }),
    excluded: t.field({
      type: [ExcludedArea],
      description: 'Areas left out, each with its reason.',
      extensions: cost({ listSize: { assumedSize: 33 } }),
      resolve: (r) => r.excluded,
    }),
  }),
});

const RecommendationInput = builder.inputType('RecommendationInput', {
  fields: (t) => ({
    persona: t.field({ type: PersonaIdEnum, required: true }),
    budget: t.float({
      required: true,
      description: 'GBP: per month when renting, the purchase price when buying.',
      validate: { schema: z.number().positive().max(100_000_000) },
    }),
    locationType: t.field({ type: LocationTypeEnum, required: true }),
    size: t.field({ type: PropertySizeEnum, description: "When renting; defaults to the persona's size." }),
    commuteTo: t.id({ description: 'A station id (see `stations`).', validate: { schema: stationId } }),
    maxCommuteMinutes: t.int({ validate: { min: 1, max: 300 } }),
    weights: t.field({ type: FactorWeightsInput }),
    limit: t.int({ validate: { min: 1, max: 33 } }),
  }),
});

const PersonaRef = builder.objectRef<Persona>('Persona').implement({
  fields: (t) => ({
    id: t.expose('id', { type: PersonaIdEnum }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    defaultSize: t.expose('defaultSize', { type: PropertySizeEnum }),
    defaultLocationType: t.expose('defaultLocationType', { type: LocationTypeEnum }),
    weights: t.field({ type: FactorWeights, resolve: (p) => p.weights }),
  }),
});

builder.queryFields((t) => ({
  recommendations: t.field({
    type: RecommendationResultRef,
    description: 'Areas ranked for a persona and budget, with the reasons for every score and every area left out.',
    extensions: cost({ weight: 20, listSize: { slicingArguments: ['input.limit'], assumedSize: 33, sizedFields: ['results'] } }),
    args: { input: t.arg({ type: RecommendationInput, required: true }) },
    validate: [
      (args) => args.input.maxCommuteMinutes == null || args.input.commuteTo != null,
      { message: 'maxCommuteMinutes needs commuteTo (the station the commute is to)', path: ['input', 'maxCommuteMinutes'] },
    ],
    resolve: (_root, args, ctx) => ctx.loaders.recommendation.load(toEngineInput(args.input)),
  }),
  personas: t.field({
    type: [PersonaRef],
    extensions: cost({ listSize: { assumedSize: 3 } }),
    resolve: (_root, _args, ctx) => ctx.loaders.personas.load('all'),
  }),
}));
