import { z } from 'zod';

// These schemas mirror python/README.md ("Contract"). Every engine answer is parsed with them at the
// boundary, so a drifted or broken engine is caught here and not deep inside a resolver.

const personaIds = ['student', 'parent', 'developer'] as const;
const sizes = ['room', 'studio', '1bed', '2bed', '3bed', '4plus'] as const;
const locationTypes = ['rent', 'buy'] as const;
const factors = ['affordability', 'commute', 'safety', 'schools', 'transport', 'greenSpace', 'priceGrowth'] as const;
const jobStatuses = ['PENDING', 'READY', 'FAILED'] as const;
const exclusionCodes = ['NO_PRICE_DATA', 'OVER_BUDGET', 'OVER_MAX_COMMUTE', 'NO_ROUTE'] as const;

export type PersonaId = (typeof personaIds)[number];
export type Size = (typeof sizes)[number];
export type LocationType = (typeof locationTypes)[number];
export type Factor = (typeof factors)[number];

const num = z.number().nullable();
const int = z.number().int().nullable();

const versioned = { version: z.string(), dataVersion: z.string() };

const ref = z.object({ id: z.number().int(), name: z.string() });
const lineRef = ref.extend({ colour: z.string().optional() });

const area = z.object({
  code: z.string(),
  name: z.string(),
  innerOuter: z.enum(['inner', 'outer']),
  centroid: z.object({ lat: z.number(), lon: z.number() }),
  population: int,
  households: int,
  areaHectares: int,
  densityPerHectare: num,
  averageAge: num,
  housing: z.object({
    rentPeriod: z.string(),
    rents: z.array(z.object({ size: z.enum(sizes), median: int, mean: int, lowerQuartile: int, upperQuartile: int, count: int })),
    medianRentAll: int,
    averagePrice: int,
    averagePriceMonth: z.string(),
    priceChange1yPct: num,
    priceChange5yPct: num,
    medianHousePrice2015: int,
    privateRentPct: num,
    ownedPct: num,
  }),
  environment: z.object({
    greenspacePct: num,
    carbonEmissionsKt: num,
    recyclingRatePct: num,
    carsPerHousehold: num,
    cyclingPct: num,
  }),
  transport: z.object({
    ptal: num,
    stationCount: z.number().int(),
    stations: z.array(ref),
    lines: z.array(lineRef),
    nearestStation: ref.extend({ distanceKm: z.number() }),
  }),
});
export type Area = z.infer<typeof area>;

const crime = z.object({
  code: z.string(),
  period: z.string(),
  ratePer1000: num,
  rank: int,
  firesPer1000: num,
  ambulancePer100: num,
});
export type Crime = z.infer<typeof crime>;

const schools = z.object({
  code: z.string(),
  period: z.string(),
  gcse5acPct: num,
  rank: int,
  pupilsFirstLanguageNotEnglishPct: num,
});
export type Schools = z.infer<typeof schools>;

const commute = z.object({
  from: z.string(),
  to: z.number().int(),
  minutes: z.number().int(),
  rideMinutes: z.number().int(),
  accessMinutes: z.number().int(),
  changes: z.number().int(),
  originStation: ref,
  stations: z.array(ref),
  lines: z.array(lineRef),
  legs: z.array(z.object({ line: lineRef, from: ref, to: ref, stops: z.number().int(), minutes: z.number().int() })),
});
export type Commute = z.infer<typeof commute>;

const station = z.object({
  id: z.number().int(),
  name: z.string(),
  lat: z.number(),
  lon: z.number(),
  zone: z.number(),
  rail: z.boolean(),
  boroughCode: z.string().nullable(),
  lines: z.array(lineRef),
});
export type Station = z.infer<typeof station>;

const weights = z.record(z.string(), z.number());

const persona = z.object({
  id: z.enum(personaIds),
  name: z.string(),
  description: z.string(),
  defaultSize: z.enum(sizes),
  defaultLocationType: z.enum(locationTypes),
  weights,
});
export type Persona = z.infer<typeof persona>;

const scoreFactor = z.object({
  factor: z.enum(factors),
  weight: z.number(),
  rawValue: num,
  unit: z.string(),
  score: num,
  contribution: z.number(),
  missing: z.boolean(),
});

const recommendation = z.object({
  rank: z.number().int(),
  code: z.string(),
  name: z.string(),
  score: z.number(),
  price: z.number(),
  commute: z.object({ minutes: z.number().int(), changes: z.number().int() }).nullable(),
  breakdown: z.array(scoreFactor),
});

const recommendResult = z.object({
  persona: z.enum(personaIds),
  locationType: z.enum(locationTypes),
  size: z.enum(sizes).nullable(),
  budget: z.number(),
  commuteTo: z.number().int().nullable(),
  maxCommuteMinutes: z.number().int().nullable(),
  weights,
  total: z.number().int(),
  results: z.array(recommendation),
  excluded: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      reason: z.object({ code: z.enum(exclusionCodes), message: z.string(), value: num, limit: num }),
    }),
  ),
});
export type RecommendResult = z.infer<typeof recommendResult>;

const job = z.object({
  id: z.string(),
  status: z.enum(jobStatuses),
  areaCode: z.string(),
  persona: z.enum(personaIds),
  context: z.record(z.string(), z.unknown()).nullable(),
  text: z.string().nullable(),
  source: z.enum(['LLM', 'TEMPLATE']).nullable(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
});
export type Job = z.infer<typeof job>;

/** Each route's answer, by its path (the endpoint). */
export const answers = {
  health: z.object({ status: z.string(), ...versioned }),
  personas: z.object({ personas: z.array(persona), ...versioned }),
  areas: z.object({ areas: z.array(area.nullable()), ...versioned }),
  crime: z.object({ crime: z.array(crime.nullable()), ...versioned }),
  schools: z.object({ schools: z.array(schools.nullable()), ...versioned }),
  commute: z.object({ commutes: z.array(commute.nullable()), ...versioned }),
  stations: z.object({ stations: z.array(station.nullable()), ...versioned }),
  recommend: recommendResult.extend(versioned),
  explanations: z.object({ jobs: z.array(job.nullable()), ...versioned }),
  'explanations/status': z.object({ jobs: z.array(job.nullable()), ...versioned }),
};
export type Endpoint = keyof typeof answers;

/** The body of a refused request (HTTP 400): python/README.md, "Errors". */
export const refusal = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().nullable().optional() }),
});

export interface RecommendInput {
  persona: PersonaId;
  budget: number;
  locationType: LocationType;
  size?: Size;
  commuteTo?: number;
  maxCommuteMinutes?: number;
  weights?: Partial<Record<Factor, number>>;
  limit?: number;
}

export interface ExplanationContext {
  budget?: number;
  locationType?: LocationType;
  size?: Size;
  commuteTo?: number;
}

/**
 * POST /explanations/status. Without `rebuild` (the default) an id the engine does not hold answers null;
 * with it, the engine starts that job again from its id. Only ids this server signed after a charged start
 * are sent with `rebuild`, since anyone can build an id.
 */
export interface ExplanationStatusRequest {
  ids: readonly string[];
  rebuild?: boolean;
}

export interface ExplanationRequest {
  areaCode: string;
  persona: PersonaId;
  context?: ExplanationContext;
}
