import { z } from 'zod';
import type { ExplanationContext, Persona, RecommendResult } from '../modal/contract.ts';
import { toContext } from '../resolvers/explanations.ts';
import { toEngineInput } from '../resolvers/recommendations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { FactorEnum, LocationTypeEnum, PersonaIdEnum, PropertySizeEnum, personaNames } from './enums.ts';
import { NodeRef, nodeId } from './node.ts';
import { AreaRef, StationRef, stationCode } from './refs.ts';

type Weights = Record<string, number>;
type Ranked = RecommendResult['results'][number];
type Excluded = RecommendResult['excluded'][number];

const factorNames = ['affordability', 'commute', 'safety', 'schools', 'transport', 'greenSpace', 'priceGrowth'] as const;

/** What each factor's weight weighs, for the fields of FactorWeights and FactorWeightsInput. */
const weightOf: Record<(typeof factorNames)[number], string> = {
  affordability: 'how far the price is under the budget',
  commute: 'the minutes to `commuteTo` (counted only when it is given)',
  safety: 'a low crime rate',
  schools: 'a high share of good GCSE results',
  transport: 'public transport accessibility (PTAL)',
  greenSpace: 'the share of green space',
  priceGrowth: 'the change of the average price over 5 years',
};

const FactorWeights = builder.objectRef<Weights>('FactorWeights').implement({
  description:
    "The weight of each score factor. Weights are relative (a persona's add up to 1, yours need not): each factor counts in proportion to its weight; 0 leaves it out.",
  fields: (t) =>
    Object.fromEntries(
      factorNames.map((f) => [f, t.float({ description: `The weight of ${weightOf[f]}.`, resolve: (w) => w[f] ?? 0 })]),
    ) as Record<(typeof factorNames)[number], ReturnType<typeof t.float>>,
});

const FactorWeightsInput = builder.inputType('FactorWeightsInput', {
  description: "Overrides of the persona's default weights; factors left out keep their default. Refused if every weight ends up 0.",
  fields: (t) =>
    Object.fromEntries(
      factorNames.map((f) => [
        f,
        t.float({ description: `The weight of ${weightOf[f]}, 0 to 100 (relative to the others).`, validate: { min: 0, max: 100 } }),
      ]),
    ) as Record<(typeof factorNames)[number], ReturnType<typeof t.float>>,
});

const ScoreFactor = builder.objectRef<Ranked['breakdown'][number]>('ScoreFactor').implement({
  description: 'One factor of a score: why an area ranks where it does. The breakdown lists every factor with a weight above 0.',
  fields: (t) => ({
    factor: t.expose('factor', { type: FactorEnum, description: 'The factor this line scores.' }),
    weight: t.exposeFloat('weight', { description: 'The effective weight, normalised over the factors with a figure.' }),
    rawValue: t.exposeFloat('rawValue', { nullable: true, description: 'The figure scored, in `unit`; null when `missing`.' }),
    unit: t.exposeString('unit', {
      description:
        'The unit of `rawValue`: `GBP/month` (affordability when renting) or `GBP` (buying), `minutes`, `crimes per 1,000 residents`, `% of pupils with 5+ GCSEs A*-C`, `PTAL (0-8)`, `% of area`, `% over 5 years`.',
    }),
    score: t.exposeFloat('score', {
      nullable: true,
      description: 'The figure normalised from 0 (worst) to 1 (best), 4 decimals; null when missing.',
    }),
    contribution: t.exposeFloat('contribution', {
      description: 'Points of the total score from this factor, 1 decimal; the contributions add up to the score.',
    }),
    missing: t.exposeBoolean('missing', {
      description: 'True when the area has no figure for this factor: it is left out of the score (contribution 0).',
    }),
  }),
});

const CommuteSummary = builder.objectRef<NonNullable<Ranked['commute']>>('CommuteSummary').implement({
  description: 'The fastest commute from a ranked area to `commuteTo`, in short (`area { commute(to:) }` has the route).',
  fields: (t) => ({
    minutes: t.exposeInt('minutes', { description: 'Door-to-station minutes, bus access and 5 minutes per change included.' }),
    changes: t.exposeInt('changes', { description: 'Times the route changes line.' }),
  }),
});

/** A ranked area, with the question it answers (for its explanation). */
export type RankedArea = Ranked & { persona: Persona['id']; context: ExplanationContext };

export const RecommendationRef = builder.objectRef<RankedArea>('Recommendation').implement({
  description: 'A ranked area: its score for the persona and budget, its price, and the reason for every point of the score.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: 'Its place in the ranking: 1 is the best score.' }),
    score: t.exposeFloat('score', {
      description: 'The weighted score from 0 to 100 (1 decimal); equal scores are ordered by price, then by code.',
    }),
    price: t.exposeInt('price', {
      description: 'The price scored: median rent for the size in GBP per calendar month when renting, average price in GBP when buying.',
    }),
    area: t.field({
      type: AreaRef,
      nullable: true,
      description: 'The borough ranked; null when the engine could not be asked (see the error at this path).',
      resolve: (r, _a, ctx) => ctx.loaders.area.load(r.code),
    }),
    commute: t.field({
      type: CommuteSummary,
      nullable: true,
      description: 'The commute to `commuteTo`; null when the question had no `commuteTo`.',
      resolve: (r) => r.commute,
    }),
    breakdown: t.field({
      type: [ScoreFactor],
      description: 'Every factor with a weight above 0, in factor order (at most 7): where each point of the score comes from.',
      extensions: cost({ listSize: { assumedSize: 7 } }),
      resolve: (r) => r.breakdown,
    }),
  }),
});

const ExclusionCodeEnum = builder.enumType('ExclusionCode', {
  description:
    'Why an area was left out of a ranking. An area gets the first that applies of: no price, over budget, no route, commute too long.',
  values: {
    NO_PRICE_DATA: { description: 'The data has no price for the size asked (e.g. no room rents in the City of London).' },
    OVER_BUDGET: { description: 'The price is over the budget: `value` is the price, `limit` the budget (GBP).' },
    NO_ROUTE: { description: 'No tube route to `commuteTo` can be computed from the area.' },
    OVER_MAX_COMMUTE: { description: 'The commute is longer than `maxCommuteMinutes`: `value` is its minutes, `limit` the maximum.' },
  } as const,
});

const ExclusionReason = builder.objectRef<Excluded['reason']>('ExclusionReason').implement({
  description: 'Why an area was left out, in a code to switch on and a sentence to show.',
  fields: (t) => ({
    code: t.expose('code', { type: ExclusionCodeEnum, description: 'The reason, as a code to switch on.' }),
    message: t.exposeString('message', {
      description: 'The reason in an English sentence, e.g. `median room rent of £650 is over the budget of £600`.',
    }),
    value: t.exposeFloat('value', {
      nullable: true,
      description: 'The figure that failed: the price (GBP) for OVER_BUDGET, the minutes for OVER_MAX_COMMUTE; null for the other codes.',
    }),
    limit: t.exposeFloat('limit', {
      nullable: true,
      description:
        'The limit it failed: the budget (GBP) for OVER_BUDGET, `maxCommuteMinutes` for OVER_MAX_COMMUTE; null for the other codes.',
    }),
  }),
});

const ExcludedArea = builder.objectRef<Excluded>('ExcludedArea').implement({
  description: 'An area left out of a ranking, with the reason.',
  fields: (t) => ({
    area: t.field({
      type: AreaRef,
      nullable: true,
      description: 'The borough left out; null when the engine could not be asked (see the error at this path).',
      resolve: (e, _a, ctx) => ctx.loaders.area.load(e.code),
    }),
    reason: t.field({ type: ExclusionReason, description: 'Why it was left out.', resolve: (e) => e.reason }),
  }),
});

const RecommendationResultRef = builder.objectRef<RecommendResult>('RecommendationResult').implement({
  description:
    'A ranking of the boroughs for one question, echoing the question as the engine understood it (defaults filled in), with every area left out and why.',
  fields: (t) => ({
    persona: t.expose('persona', { type: PersonaIdEnum, description: 'The persona the ranking is for.' }),
    locationType: t.expose('locationType', { type: LocationTypeEnum, description: 'Renting or buying, as asked.' }),
    size: t.expose('size', {
      type: PropertySizeEnum,
      nullable: true,
      description: "The size priced when renting (the persona's default unless given); null when buying, where prices are not by size.",
    }),
    budget: t.exposeFloat('budget', { description: 'The budget, GBP: per calendar month when renting, the purchase price when buying.' }),
    commuteTo: t.field({
      type: StationRef,
      nullable: true,
      description: 'The station commutes were scored to; null when none was given, or when the engine could not be asked.',
      resolve: (r, _a, ctx) => (r.commuteTo == null ? null : ctx.loaders.station.load(r.commuteTo)),
    }),
    maxCommuteMinutes: t.exposeInt('maxCommuteMinutes', {
      nullable: true,
      description: 'The longest commute kept, in minutes; null when none was given.',
    }),
    weights: t.field({
      type: FactorWeights,
      description: "The weights used: the persona's defaults merged with the overrides asked for.",
      resolve: (r) => r.weights,
    }),
    total: t.exposeInt('total', { description: 'Areas ranked, before `limit` cut the results.' }),
    results: t.field({
      type: [RecommendationRef],
      description: 'The ranked areas, best first: at most `limit` (all ranked areas without it, up to 33).',
      resolve: (r) => {
        const context = toContext({ budget: r.budget, locationType: r.locationType, size: r.size, commuteTo: r.commuteTo });
        return r.results.map((x) => ({ ...x, persona: r.persona, context }));
      },
    }),
    excluded: t.field({
      type: [ExcludedArea],
      description: 'Areas left out of the ranking, each with its reason, ordered by borough code (at most 33).',
      extensions: cost({ listSize: { assumedSize: 33 } }),
      resolve: (r) => r.excluded,
    }),
  }),
});

const RecommendationInput = builder.inputType('RecommendationInput', {
  description: 'The question a ranking answers: who, renting or buying, at what budget, and optionally commuting where.',
  fields: (t) => ({
    persona: t.field({ type: PersonaIdEnum, required: true, description: 'Who the ranking is for; sets the default size and weights.' }),
    budget: t.float({
      required: true,
      description: 'GBP: per calendar month when renting, the purchase price when buying. Above 0, at most 100,000,000.',
      validate: { schema: z.number().positive().max(100_000_000) },
    }),
    locationType: t.field({
      type: LocationTypeEnum,
      required: true,
      description: 'Renting or buying: which price is compared with the budget.',
    }),
    size: t.field({ type: PropertySizeEnum, description: "The size to rent; the persona's default size without it. Ignored when buying." }),
    commuteTo: t.id({
      description: "A station's `code` (digits, see `stations`): adds the commute factor and each result's `commute`.",
      validate: { schema: stationCode },
    }),
    maxCommuteMinutes: t.int({
      description: 'Leave out areas whose commute to `commuteTo` is longer, 1 to 300 minutes; needs `commuteTo`.',
      validate: { min: 1, max: 300 },
    }),
    weights: t.field({ type: FactorWeightsInput, description: "Overrides of the persona's weights, factor by factor." }),
    limit: t.int({ description: 'The most results to return, 1 to 33; all ranked areas without it.', validate: { min: 1, max: 33 } }),
  }),
});

const PersonaRef = builder.objectRef<Persona>('Persona').implement({
  description: 'A kind of user the ranking is tuned for, with its defaults.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({
      description: "The persona's global id, for `node(id:)` (see `Node`).",
      resolve: (p) => nodeId('Persona', personaNames.of(p.id)),
    }),
    key: t.expose('id', { type: PersonaIdEnum, description: 'The persona, as `recommendations(input: { persona })` takes it.' }),
    name: t.exposeString('name', { description: 'A display name, e.g. `Student`.' }),
    description: t.exposeString('description', { description: 'One sentence on what the persona looks for, for display.' }),
    defaultSize: t.expose('defaultSize', { type: PropertySizeEnum, description: 'The size ranked when a question gives none.' }),
    defaultLocationType: t.expose('defaultLocationType', {
      type: LocationTypeEnum,
      description: 'Whether this persona usually rents or buys (a question always says which).',
    }),
    weights: t.field({ type: FactorWeights, description: "The persona's default weights; they add up to 1.", resolve: (p) => p.weights }),
  }),
});

builder.queryFields((t) => ({
  recommendations: t.field({
    type: RecommendationResultRef,
    // Nullable, like every root field that can fail: a failure nulls this field, not the whole answer.
    nullable: true,
    description:
      'The boroughs ranked for a persona and budget, with the reason for every score and every area left out. Costs 20 points plus the results asked for (`input.limit`, 33 without it). Null when the engine could not be asked or an argument is refused (see the error at this path).',
    extensions: cost({ weight: 20, listSize: { slicingArguments: ['input.limit'], assumedSize: 33, sizedFields: ['results'] } }),
    args: { input: t.arg({ type: RecommendationInput, required: true, description: 'The question to rank the boroughs for.' }) },
    validate: [
      (args) => args.input.maxCommuteMinutes == null || args.input.commuteTo != null,
      { message: 'maxCommuteMinutes needs commuteTo (the station the commute is to)', path: ['input', 'maxCommuteMinutes'] },
    ],
    resolve: (_root, args, ctx) => ctx.loaders.recommendation.load(toEngineInput(args.input)),
  }),
  personas: t.field({
    type: [PersonaRef],
    // Nullable, like every root field that can fail: a failure nulls this field, not the whole answer.
    nullable: true,
    description: 'The three personas with their defaults. Null when the engine could not be asked (see the error at this path).',
    extensions: cost({ listSize: { assumedSize: 3 } }),
    resolve: (_root, _args, ctx) => ctx.loaders.personas.load('all'),
  }),
}));
