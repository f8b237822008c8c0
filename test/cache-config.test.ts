import { readFileSync } from 'node:fs';
import { InMemoryCache } from '@apollo/client/cache';
import { buildSchema, isInterfaceType, parse } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { graphcacheKeys, graphcacheSchema, possibleTypes, typePolicies } from '../operations/generated/cache-config.ts';
import { cacheConfig } from '../scripts/codegen/cache-config.ts';

/** The client cache configuration `npm run codegen` writes from schema.graphql. */
const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

describe('the generated cache configuration', () => {
  it('is in step with schema.graphql (run `npm run codegen` after changing the schema)', async () => {
    const expected = await cacheConfig(schema);
    expect(possibleTypes).toEqual(expected.possibleTypes);
    expect(Object.keys(typePolicies)).toEqual([...new Set([...expected.embedded, ...Object.keys(expected.valueLists)])].sort());
    for (const [name, policy] of Object.entries(typePolicies)) {
      expect(policy.merge, name).toBe(expected.embedded.includes(name) ? true : undefined);
      expect(Object.keys(policy.fields ?? {}), name).toEqual(expected.valueLists[name] ?? []);
    }
    expect(Object.keys(graphcacheKeys)).toEqual(expected.embedded);
    expect(graphcacheSchema).toEqual(expected.introspection);
  });

  it('merges the value types (no id) in Apollo and embeds them in graphcache; root types and types with an id are left alone', () => {
    for (const value of ['Housing', 'Safety']) {
      expect(typePolicies[value], value).toMatchObject({ merge: true });
      expect(graphcacheKeys[value]!(), value).toBeNull();
    }
    for (const name of ['Query', 'Mutation', 'Subscription', 'Station']) {
      expect(typePolicies, name).not.toHaveProperty(name);
      expect(graphcacheKeys, name).not.toHaveProperty(name);
    }
  });

  it("lists Node's implementations in possibleTypes, and Node in graphcache's schema", (context) => {
    const node = schema.getType('Node');
    if (!isInterfaceType(node)) {
      context.skip('schema.graphql has no Node interface yet: rerun codegen and this test once it has');
      return;
    }
    const implementations = schema.getPossibleTypes(node).map((type) => type.name);
    expect(possibleTypes.Node).toEqual([...implementations].sort());
    expect(possibleTypes.Node).toEqual(expect.arrayContaining(['Area', 'Station', 'Line', 'Persona', 'Explanation']));
    const types = (graphcacheSchema as unknown as { __schema: { types: { name: string; kind: string; possibleTypes?: unknown[] }[] } })
      .__schema.types;
    expect(types.find((type) => type.name === 'Node')).toMatchObject({ kind: 'INTERFACE', possibleTypes: expect.any(Array) });
  });

  it("keeps what two queries select of a value type in Apollo's cache, where the default loses the first and warns", () => {
    const rent = parse('{ area(code: "E09000007") { __typename id housing { __typename rent } } }');
    const price = parse('{ area(code: "E09000007") { __typename id housing { __typename price } } }');
    const area = (housing: Record<string, unknown>) => ({ area: { __typename: 'Area', id: 'QXJlYTpFMDkwMDAwMDc', housing } });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const configured = new InMemoryCache({ possibleTypes, typePolicies });
      configured.writeQuery({ query: rent, data: area({ __typename: 'Housing', rent: 1200 }) });
      configured.writeQuery({ query: price, data: area({ __typename: 'Housing', price: 650_000 }) });
      expect(configured.readQuery({ query: rent })).toEqual(area({ __typename: 'Housing', rent: 1200 }));
      expect(configured.readQuery({ query: price })).toEqual(area({ __typename: 'Housing', price: 650_000 }));
      expect(warn).not.toHaveBeenCalled();

      const plain = new InMemoryCache();
      plain.writeQuery({ query: rent, data: area({ __typename: 'Housing', rent: 1200 }) });
      plain.writeQuery({ query: price, data: area({ __typename: 'Housing', price: 650_000 }) });
      expect(plain.readQuery({ query: rent })).toBeNull();
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe("Apollo's cache with the generated policies, on a list of values (objects without an id)", () => {
  // RecommendWithExplanations, then Recommend with the same input: same elements, other fields of them.
  const explained = parse(`query ($input: RecommendationInput!) { recommendations(input: $input) { __typename total
    results { __typename rank score area { __typename id name } commute { __typename minutes }
      breakdown { __typename factor score } explanation { __typename id status text } } } }`);
  const detailed = parse(`query ($input: RecommendationInput!) { recommendations(input: $input) { __typename total
    results { __typename rank score price area { __typename id code } commute { __typename changes }
      breakdown { __typename factor weight } } } }`);
  const variables = { input: { persona: 'STUDENT', budget: 900, locationType: 'RENT' } };
  const areas = { camden: 'QXJlYTpFMDkwMDAwMDc', hackney: 'QXJlYTpFMDkwMDAwMTI' };
  const area = (id: string) => ({ __typename: 'Area', id, name: id === areas.camden ? 'Camden' : 'Hackney', code: id.slice(-4) });
  const pick = (value: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((key) => [key, value[key]]));

  /** One ranking as each query selects it; `order` and `scores` let a test change it between the two. */
  function ranking(order: string[], scores = order.map((_, i) => 90 - i)) {
    const results = order.map((id, i) => ({
      rank: i + 1,
      score: scores[i],
      price: 1000 + i,
      area: area(id),
      commute: { __typename: 'CommuteSummary', minutes: 20 + i, changes: i },
      breakdown: [{ __typename: 'ScoreFactor', factor: 'SAFETY', score: 0.5 + i / 10, weight: 0.2 }],
      explanation: { __typename: 'Explanation', id: `RXhwbGFuYXRpb246${i}`, status: 'READY', text: `Why ${id}` },
    }));
    return {
      explained: {
        recommendations: {
          __typename: 'RecommendationResult',
          total: order.length,
          results: results.map((r) => ({
            __typename: 'Recommendation',
            ...pick(r, ['rank', 'score', 'explanation']),
            area: pick(r.area, ['__typename', 'id', 'name']),
            commute: pick(r.commute, ['__typename', 'minutes']),
            breakdown: r.breakdown.map((b) => pick(b, ['__typename', 'factor', 'score'])),
          })),
        },
      },
      detailed: {
        recommendations: {
          __typename: 'RecommendationResult',
          total: order.length,
          results: results.map((r) => ({
            __typename: 'Recommendation',
            ...pick(r, ['rank', 'score', 'price']),
            area: pick(r.area, ['__typename', 'id', 'code']),
            commute: pick(r.commute, ['__typename', 'changes']),
            breakdown: r.breakdown.map((b) => pick(b, ['__typename', 'factor', 'weight'])),
          })),
        },
      },
    };
  }

  it('merges the two lists element by element when they hold the same elements, objects and lists inside them too', () => {
    const { explained: first, detailed: second } = ranking([areas.camden, areas.hackney]);
    const cache = new InMemoryCache({ possibleTypes, typePolicies });
    cache.writeQuery({ query: explained, variables, data: first });
    cache.writeQuery({ query: detailed, variables, data: second });
    expect(cache.readQuery({ query: explained, variables })).toEqual(first);
    expect(cache.readQuery({ query: detailed, variables })).toEqual(second);

    // With `merge: true` on the types alone (what was generated before), the second list replaces the first.
    const typesOnly = Object.fromEntries(Object.keys(typePolicies).map((name) => [name, { merge: true as const }]));
    const before = new InMemoryCache({ possibleTypes, typePolicies: typesOnly });
    before.writeQuery({ query: explained, variables, data: first });
    before.writeQuery({ query: detailed, variables, data: second });
    expect(before.readQuery({ query: explained, variables })).toBeNull();
  });

  it('lets the incoming list replace the existing one when they differ: another order, another length, another score', () => {
    const cases = [
      ranking([areas.hackney, areas.camden]).detailed,
      ranking([areas.camden]).detailed,
      ranking([areas.camden, areas.hackney], [90, 88]).detailed,
    ];
    for (const second of cases) {
      const cache = new InMemoryCache({ possibleTypes, typePolicies });
      cache.writeQuery({ query: explained, variables, data: ranking([areas.camden, areas.hackney]).explained });
      cache.writeQuery({ query: detailed, variables, data: second });
      expect(cache.readQuery({ query: detailed, variables })).toEqual(second);
      // The first query's fields are gone, as they would be for a list of other elements.
      expect(cache.readQuery({ query: explained, variables })).toBeNull();
    }
  });
});

describe('the cache configuration generator', () => {
  it('reads everything from the schema: interfaces and unions with their members, value types without an id', async () => {
    const config = await cacheConfig(
      buildSchema(`
        interface Node { id: ID! }
        type Area implements Node { id: ID! housing: Housing rents: [Rent!]! stations: [Station] }
        type Station implements Node { id: ID! }
        type Housing { rent: Int rents: [[Rent]] }
        type Rent { size: Int }
        union Place = Station | Area
        type Query { area: Area place: Place rents: [Rent] names: [String] }
        type Mutation { touch: Touched }
        type Touched { ok: Boolean }
        type Subscription { tick: Int }
      `),
    );
    expect(config.possibleTypes).toEqual({ Node: ['Area', 'Station'], Place: ['Area', 'Station'] });
    expect(config.embedded).toEqual(['Housing', 'Rent', 'Touched']);
    // Lists of values, wherever they are; a list of entities (normalised) or of scalars is not one.
    expect(config.valueLists).toEqual({ Area: ['rents'], Housing: ['rents'], Query: ['rents'] });
  });
});
