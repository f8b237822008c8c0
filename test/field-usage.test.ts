import { parse } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { operationCoordinates } from '../src/observability/operation-coordinates.ts';
import { schema } from '../src/schema/index.ts';
import { serversPerTest, type TestServer } from './helpers/server.ts';

// The schema has no deprecated field yet: this suite's servers get one, `Area.formerPopulation`, a deprecated
// copy of `Area.population` (same resolver), so that its use can be seen.
vi.mock('../src/schema/index.ts', async (importOriginal) => {
  const { MapperKind, mapSchema } = await import('@graphql-tools/utils');
  const { GraphQLObjectType } = await import('graphql');
  const real = await importOriginal<typeof import('../src/schema/index.ts')>();
  return {
    ...real,
    schema: mapSchema(real.schema, {
      [MapperKind.OBJECT_TYPE]: (type) => {
        if (type.name !== 'Area') return type;
        const config = type.toConfig();
        const formerPopulation = { ...config.fields.population!, deprecationReason: 'Read `population`.' };
        return new GraphQLObjectType({ ...config, fields: { ...config.fields, formerPopulation } });
      },
    }),
  };
});

const server = serversPerTest();
const CITY = 'E09000001';

/** The request log lines so far. */
const requestLines = (s: TestServer) => s.logs.filter((line) => line.event === 'request');

/** veo_field_usage_total from the server's /metrics: count and `deprecated` label by coordinate. */
async function fieldUsage(s: TestServer): Promise<Map<string, { count: number; deprecated: string }>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const usage = new Map<string, { count: number; deprecated: string }>();
  for (const [, labels, count] of text.matchAll(/^veo_field_usage_total\{([^}]*)\} (\d+)$/gm)) {
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels!)![1]!;
    usage.set(label('coordinate'), { count: Number(count), deprecated: label('deprecated') });
  }
  return usage;
}

describe('the request log line', () => {
  it("lists the operation's coordinates, through fragments, with interface fields resolved to the types they can be", async () => {
    const s = await server();
    await s.gql(
      `query Pick($code: ID!) { area(code: $code) { name ...Where } areas(first: 1) { nodes { ... on Node { id } } } }
       fragment Where on Area { centroid { lat } }`,
      { code: CITY },
    );
    // Any node: `id` there is Node's, and each Node type's that can answer it.
    await s.gql(`{ node(id: "nothing") { id __typename } }`);
    const [pick, node] = requestLines(s);
    expect(pick!.coordinates).toEqual([
      'Area.centroid',
      'Area.id',
      'Area.name',
      'AreaConnection.nodes',
      'LatLon.lat',
      'Node.id',
      'Query.area',
      'Query.areas',
    ]);
    expect(node!.coordinates).toEqual(['Area.id', 'Explanation.id', 'Line.id', 'Node.id', 'Persona.id', 'Query.node', 'Station.id']);
  });

  it('lists no meta field, and none where no operation ran', async () => {
    const s = await server();
    await s.gql('{ __typename __schema { queryType { name } } }');
    await s.gql('{ area(');
    expect(requestLines(s).map((line) => line.coordinates)).toEqual([[], null]);
    expect([...(await fieldUsage(s)).keys()]).toEqual([]);
  });
});

describe('veo_field_usage_total', () => {
  it('counts each field once per operation that selects it', async () => {
    const s = await server();
    await s.gql('query One($code: ID!) { area(code: $code) { name code } }', { code: CITY });
    await s.gql('query Two { areas(first: 2) { nodes { name } } }');
    const usage = await fieldUsage(s);
    expect(Object.fromEntries([...usage].map(([coordinate, { count }]) => [coordinate, count]))).toEqual({
      'Area.code': 1,
      'Area.name': 2,
      'AreaConnection.nodes': 1,
      'Query.area': 1,
      'Query.areas': 1,
    });
  });

  it('counts a field selected 500 times under aliases once, and lists it once', async () => {
    const s = await server({ MAX_ALIASES: '1000', MAX_TOKENS: '5000' });
    const aliases = Array.from({ length: 500 }, (_, i) => `n${i}: name`).join(' ');
    const { body } = await s.gql(`{ area(code: "${CITY}") { ${aliases} } }`);
    expect(Object.keys(body.data!.area)).toHaveLength(500);
    expect(requestLines(s)[0]!.coordinates).toEqual(['Area.name', 'Query.area']);
    expect((await fieldUsage(s)).get('Area.name')).toEqual({ count: 1, deprecated: 'false' });
  });

  it("shows a deprecated field's use, in the counter and the log line", async () => {
    const s = await server();
    const { body } = await s.gql('query StillOld($code: ID!) { area(code: $code) { formerPopulation } }', { code: CITY });
    expect(body.errors).toBeUndefined();
    expect(requestLines(s)[0]).toMatchObject({ operationName: 'StillOld', coordinates: ['Area.formerPopulation', 'Query.area'] });
    expect((await fieldUsage(s)).get('Area.formerPopulation')).toEqual({ count: 1, deprecated: 'true' });
  });
});

describe('operationCoordinates', () => {
  it('walks a document once, and caches the answer by the document object', () => {
    const document = parse('{ area(code: "x") { name } }');
    const first = operationCoordinates(schema, document);
    expect(operationCoordinates(schema, document)).toBe(first);
    // Another document of the same text is walked again (Yoga's document cache hands out the same object).
    expect(operationCoordinates(schema, parse('{ area(code: "x") { name } }'))).not.toBe(first);
  });

  it('expands each fragment once per scope: linear in the document, not in the routes to a field', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^40 routes to `name`.
    const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Area { code ...F${i + 1} ...F${i + 1} }`);
    const document = parse(`{ area(code: "x") { ...F0 } } ${fragments.join(' ')} fragment F40 on Area { name }`);
    const started = performance.now();
    expect(operationCoordinates(schema, document)).toEqual(['Area.code', 'Area.name', 'Query.area']);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('answers the operation asked for, and nothing for one the document does not have', () => {
    const document = parse('query A { areas(first: 1) { totalCount } } query B { personas { name } }');
    expect(operationCoordinates(schema, document, 'B')).toEqual(['Persona.name', 'Query.personas']);
    expect(operationCoordinates(schema, document, 'C')).toEqual([]);
  });
});
