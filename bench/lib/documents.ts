// The GraphQL documents the benchmark sends, and the recommendation questions it asks. The dashboard and
// `Recommend` documents are the ones frontends copy from operations/ (dashboard.graphql, recommend.graphql),
// less the global `id`s those select: the work measured stays that of the earlier runs in RESULTS.md.
import { readFileSync } from 'node:fs';

/** operations/dashboard.graphql: 33 areas, 17 fields each (12 scalars in 5 objects), its defaults. */
export const DASHBOARD = `query Dashboard($first: Int = 33, $size: PropertySize = ONE_BED) {
  areas(first: $first, orderBy: { field: MEDIAN_RENT, direction: ASC }) {
    totalCount
    nodes {
      code name innerOuter
      housing { medianRentAll averagePrice priceChange5yPct rent(size: $size) { median } }
      safety { crimeRatePer1000 rank }
      schools { gcse5acPct }
      transport { ptal stationCount }
    }
  }
}`;

/** One area with the dashboard's fields: housing, safety and schools (three loaders). */
export const AREA = `query AreaSummary($code: ID!) {
  area(code: $code) {
    code name innerOuter
    housing { medianRentAll averagePrice priceChange5yPct rent(size: ONE_BED) { median } }
    safety { crimeRatePer1000 rank }
    schools { gcse5acPct }
    transport { ptal stationCount }
  }
}`;

export const PERSONAS = `query Personas {
  personas {
    key name description defaultSize defaultLocationType
    weights { affordability commute safety schools transport greenSpace priceGrowth }
  }
}`;

/** operations/recommend.graphql: ranked areas with every score's breakdown and every area left out. */
export const RECOMMEND = `query Recommend($input: RecommendationInput!) {
  recommendations(input: $input) {
    total size
    weights { affordability commute safety schools transport greenSpace priceGrowth }
    results {
      rank score price
      commute { minutes changes }
      area { code name }
      breakdown { factor weight rawValue unit score contribution missing }
    }
    excluded { area { code name } reason { code message value limit } }
  }
}`;

/** operations/recommend-with-explanations.graphql: the list at once, each explanation when its job is done. */
export const RECOMMEND_EXPLAINED = `query RecommendWithExplanations($input: RecommendationInput!) {
  recommendations(input: $input) {
    total
    results {
      rank score area { code name }
      ... @defer { explanation { id status text source } }
    }
  }
}`;

export const AREAS_COMMUTE = `query AreasCommute($to: ID!) {
  areas(first: 33) { nodes { code commute(to: $to) { minutes changes } } }
}`;

export const AREA_COMMUTE = `query Commute($code: ID!, $to: ID!) {
  area(code: $code) { code commute(to: $to) { minutes changes } }
}`;

export const CAMDEN = 'E09000007';
export const AREA_CODES = Array.from({ length: 33 }, (_, i) => `E09${String(i + 1).padStart(6, '0')}`);
/** Popular destinations, by name, as station ids from python/data/tube_stations.csv (read, not guessed). */
const STATION_IDS = new Map(
  readFileSync(new URL('../../python/data/tube_stations.csv', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','))
    .map(([id, name]) => [name!, id!] as const),
);
/** Where people work and study, most asked for first (the cache-mix benchmark asks all 15). */
export const POPULAR_DESTINATION_NAMES = [
  "King's Cross St. Pancras",
  'Bank',
  'Oxford Circus',
  'Liverpool Street',
  'Waterloo',
  'Canary Wharf',
  'London Bridge',
  'Victoria',
  'Tottenham Court Road',
  'Holborn',
  'Paddington',
  'Euston',
  'Farringdon',
  'Westminster',
  'Stratford',
];
export const DESTINATIONS = POPULAR_DESTINATION_NAMES.slice(0, 10).map((name) => {
  const id = STATION_IDS.get(name);
  if (!id) throw new Error(`no station named ${name} in tube_stations.csv`);
  return id;
});
export const KINGS_CROSS = DESTINATIONS[0]!;

/** The cached recommendation of scenario d (asked once before it is measured). */
export const CACHED_QUESTION = {
  persona: 'STUDENT',
  budget: 900,
  locationType: 'RENT',
  commuteTo: KINGS_CROSS,
  maxCommuteMinutes: 45,
  limit: 10,
};

export type Question = Record<string, string | number>;

/**
 * `n` recommendation questions no other part of the benchmark asks (budgets off every round figure, moved by
 * `salt`), so each is a first-time question for the engine. Budgets are high enough that most areas qualify
 * (a question whose budget excludes every area is cheap and says little): students renting a room, parents
 * renting their default three-bed or buying, developers buying; 3 in 4 with a commute destination.
 */
export function freshQuestions(n: number, salt: number): Question[] {
  return Array.from({ length: n }, (_, i) => {
    const question: Question =
      i % 3 === 0
        ? { persona: 'STUDENT', locationType: 'RENT', budget: 1_001 + 3 * i + salt }
        : i % 3 === 1 && i % 2 === 0
          ? { persona: 'PARENT', locationType: 'RENT', budget: 3_001 + 7 * i + salt }
          : i % 3 === 1
            ? { persona: 'PARENT', locationType: 'BUY', budget: 900_001 + 2_003 * i + salt }
            : { persona: 'DEVELOPER', locationType: 'BUY', budget: 700_001 + 2_003 * i + salt };
    question.limit = 10;
    if (i % 4 !== 3) question.commuteTo = DESTINATIONS[i % DESTINATIONS.length]!;
    return question;
  });
}

export const body = (query: string, variables?: Record<string, unknown>): string => JSON.stringify({ query, variables });
