// The request mix of the load run: the shares of bench/cache-mix.ts (see bench/README.md), simplified, drawn
// in advance from a seeded PRNG so that a seed replays the same requests.
import { AREA, AREA_CODES, AREA_COMMUTE, body, DASHBOARD, DESTINATIONS, PERSONAS, RECOMMEND } from './documents.ts';
import { mulberry32 } from './random.ts';

/** Zipf over `items` in popularity order: the k-th is drawn with weight 1/k. */
function zipf<T>(rng: () => number, items: readonly T[]): () => T {
  const cumulative: number[] = [];
  let sum = 0;
  for (let k = 1; k <= items.length; k++) {
    sum += 1 / k;
    cumulative.push(sum);
  }
  return () => {
    const r = rng() * sum;
    return items[cumulative.findIndex((c) => c > r)] ?? items.at(-1)!;
  };
}

export const MIX = [
  ['area (housing, safety, schools)', 0.38],
  ['recommendations (10 of 33)', 0.35],
  ['area commute', 0.2],
  ['dashboard (33 areas)', 0.04],
  ['personas', 0.03],
] as const;

export interface MixRequest {
  method: 'POST';
  path: '/graphql';
  body: string;
}

/**
 * `n` requests for one client. Recommendations: STUDENT renting (budgets 600 to 1,200), PARENT renting or buying,
 * DEVELOPER buying, a commute destination 60% of the time; 5% of budgets are typed-in values off the lists, so
 * almost every one of those is a question the engine has not answered yet.
 */
export function mixFor(seed: number, n: number): MixRequest[] {
  const rng = mulberry32(seed);
  const area = zipf(rng, AREA_CODES);
  const destination = zipf(rng, DESTINATIONS);
  const studentRent = zipf(rng, [800, 700, 900, 600, 1000, 1200]);
  const parentRent = zipf(rng, [2000, 1500, 2500, 1200, 3000]);
  const price = zipf(rng, [500_000, 400_000, 600_000, 450_000, 350_000, 700_000, 800_000]);
  const question = () => {
    const r = rng();
    const [persona, locationType, budget] =
      r < 0.5
        ? ['STUDENT', 'RENT', studentRent()]
        : r < 0.7
          ? ['PARENT', 'RENT', parentRent()]
          : r < 0.85
            ? ['PARENT', 'BUY', price()]
            : ['DEVELOPER', 'BUY', price()];
    const typed =
      rng() < 0.05 ? (locationType === 'RENT' ? 500 + 10 * Math.floor(rng() * 250) : 250_000 + 1_000 * Math.floor(rng() * 750)) : budget;
    const input: Record<string, unknown> = { persona, locationType, budget: typed, limit: 10 };
    if (rng() < 0.6) input.commuteTo = destination();
    return input;
  };
  const pick = (): string => {
    let r = rng();
    for (const [name, share] of MIX) {
      r -= share;
      if (r >= 0) continue;
      switch (name) {
        case 'area (housing, safety, schools)':
          return body(AREA, { code: area() });
        case 'recommendations (10 of 33)':
          return body(RECOMMEND, { input: question() });
        case 'area commute':
          return body(AREA_COMMUTE, { code: area(), to: destination() });
        case 'dashboard (33 areas)':
          return body(DASHBOARD);
        case 'personas':
          return body(PERSONAS);
      }
    }
    return body(PERSONAS);
  };
  return Array.from({ length: n }, () => ({ method: 'POST', path: '/graphql', body: pick() }));
}
