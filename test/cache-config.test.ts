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
    expect(Object.keys(typePolicies)).toEqual(expected.embedded);
    expect(Object.keys(graphcacheKeys)).toEqual(expected.embedded);
    expect(graphcacheSchema).toEqual(expected.introspection);
  });

  it('merges the value types (no id) in Apollo and embeds them in graphcache; root types and types with an id are left alone', () => {
    for (const value of ['Housing', 'Safety']) {
      expect(typePolicies[value], value).toEqual({ merge: true });
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

describe('the cache configuration generator', () => {
  it('reads everything from the schema: interfaces and unions with their members, value types without an id', async () => {
    const config = await cacheConfig(
      buildSchema(`
        interface Node { id: ID! }
        type Area implements Node { id: ID! housing: Housing }
        type Station implements Node { id: ID! }
        type Housing { rent: Int }
        union Place = Station | Area
        type Query { area: Area place: Place }
        type Mutation { touch: Touched }
        type Touched { ok: Boolean }
        type Subscription { tick: Int }
      `),
    );
    expect(config.possibleTypes).toEqual({ Node: ['Area', 'Station'], Place: ['Area', 'Station'] });
    expect(config.embedded).toEqual(['Housing', 'Touched']);
  });
});
