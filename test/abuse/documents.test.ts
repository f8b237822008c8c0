import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldsOverLimit } from '../../src/http/max-fields.ts';
import { type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

// Documents tiny to send whose shape multiplies: every walk over them must stay linear in their size, and
// what they really select is bounded (MAX_FIELDS, 1,000 by default).

const MAX_FIELDS = 1_000;
const LEAVES = ['stations(first: 0) { id }', 'personas { id }'];

/** `...F1 ...F1` nested `levels` deep: 2^levels routes to one leaf, which execution selects once. */
const doubling = (levels: number, leaf: string) =>
  [
    'query { ...F0 }',
    ...Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`),
    `fragment F${levels} on Query { ${leaf} }`,
  ].join('\n');

/**
 * Many distinct fields from few tokens, within the depth, alias and token limits: one station fragment
 * reused on every route to a station of `commutes` aliased commutes, and a little more beside them.
 */
function wideAndDeep(commutes: number) {
  const routes = Array.from({ length: commutes }, (_, i) => `c${i}: commute(to: "${100 + i}") { ...C }`).join(' ');
  return `query { areas(first: 1) { nodes { code ${routes} transport { stations { ...S } nearestStation { station { ...S } } } } } }
    fragment S on Station { id name lat lon zone rail lines { id name colour } }
    fragment C on Commute { minutes rideMinutes accessMinutes changes from { code name } lines { id name colour } to { ...S } originStation { ...S } stations { ...S } legs { stops from { ...S } to { ...S } line { id name } } }`;
}

const PRICE = 'query ($q: String!) { rateLimit(query: $q) { query { requestedQueryCost withinMaximum errors } } }';

describe('documents whose shape multiplies', () => {
  let server: ProductionServer;
  const rss: Record<string, number> = {};
  beforeAll(async () => {
    server = await startProductionServer();
    // The embedded engine starts on the first call that needs it (seconds): not part of any attack's time.
    expect((await server.gql('{ personas { id } stations(first: 1) { id } }')).status).toBe(200);
    rss.before = server.rssMb();
  });
  afterAll(async () => {
    rss.after = server?.rssMb();
    console.info(`documents: ${timings.join('; ')}`);
    console.info(`documents: RSS (node and engine) ${rss.before?.toFixed(0)} MB before the attacks, ${rss.after?.toFixed(0)} MB after`);
    await server?.stop();
  });

  const timings: string[] = [];

  /** Sends a document, timing it; then the server must still answer `{ __typename }` within 1 s. */
  async function attack(label: string, query: string, variables?: Record<string, unknown>) {
    const started = performance.now();
    const answer = await server.gql(query, variables);
    const ms = performance.now() - started;
    timings.push(`${label} ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2_000);
    expect(answer.status).toBeLessThan(500);
    const after = await stillServes(server);
    expect(after.ok).toBe(true);
    expect(after.ms).toBeLessThan(1_000);
    return answer;
  }

  for (const levels of [18, 30]) {
    it(`prices fragment doubling ${levels} deep as the one field it selects, on /graphql`, async () => {
      const stations = await attack(`doubling ${levels} stations`, doubling(levels, LEAVES[0]!));
      // first: 0 is refused by the argument's own bounds, at execution; priced at its 1-point minimum.
      expect(stations.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(stations.body.extensions.cost.requestedQueryCost).toBe(1);
      const personas = await attack(`doubling ${levels} personas`, doubling(levels, LEAVES[1]!));
      expect(personas.body.errors).toBeUndefined();
      expect(personas.body.data.personas.length).toBeGreaterThan(0);
      expect(personas.body.extensions.cost.requestedQueryCost).toBe(3);
      expect(personas.body.extensions.cost.actualQueryCost).toBe(personas.body.data.personas.length);
    });

    it(`prices fragment doubling ${levels} deep as rateLimit(query:)'s argument`, async () => {
      for (const [leaf, price] of [
        [LEAVES[0]!, 1],
        [LEAVES[1]!, 3],
      ] as const) {
        const answer = await attack(`rateLimit(query:) doubling ${levels} ${leaf.split('(')[0]!.split(' ')[0]}`, PRICE, {
          q: doubling(levels, leaf),
        });
        expect(answer.body.data.rateLimit.query).toEqual({ requestedQueryCost: price, withinMaximum: true, errors: [] });
      }
    });
  }

  it('refuses a wide-and-deep document past the field bound, and prices one within it', async () => {
    const over = wideAndDeep(15);
    const within = wideAndDeep(12);
    // The same count the server makes: one over the bound, one within it.
    expect(fieldsOverLimit(parse(over), MAX_FIELDS)).toBeDefined();
    expect(fieldsOverLimit(parse(within), MAX_FIELDS)).toBeUndefined();

    const refused = await attack('wide-and-deep over the bound', over);
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors.map((e: { extensions: unknown }) => e.extensions)).toContainEqual({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'fields',
    });

    const priced = await attack('wide-and-deep within the bound', within);
    expect(priced.body.errors?.map((e: { extensions: { limit?: string } }) => e.extensions.limit) ?? []).not.toContain('fields');
    expect(priced.body.errors?.[0]?.extensions?.code ?? 'ran').toMatch(/^(ran|COST_ESTIMATED_TOO_EXPENSIVE)$/);

    const price = await attack('rateLimit(query:) wide-and-deep over the bound', PRICE, { q: over });
    expect(price.body.data.rateLimit.query.requestedQueryCost).toBeNull();
    expect(price.body.data.rateLimit.query.errors).toContainEqual(expect.stringMatching(/^Field limit of 1000 exceeded/));
  });

  it('is still the same process, its memory bounded', () => {
    expect(server.child.exitCode).toBeNull();
    expect(server.rssMb()).toBeLessThan(250);
  });
});
