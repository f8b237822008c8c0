// The schema and data of the benchmark's two reference servers (strict-minimal-server.ts, yoga-peer-server.ts):
// the fields the benchmark's documents select, named, shaped and valued as in schema.graphql, answered from
// objects prepared once at start. Resolvers do no work per request beyond a lookup: the areas are sorted in
// every order, every page already cut, each area's objects built. The data comes from a Python engine asked
// once at start, as bench/minimal-server.ts does (copied here, so that file stays as it was measured).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildSchema, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

const SDL = /* GraphQL */ `
  enum PersonaId { STUDENT PARENT DEVELOPER }
  enum PropertySize { ROOM STUDIO ONE_BED TWO_BED THREE_BED FOUR_PLUS_BED }
  enum LocationType { RENT BUY }
  enum InnerOuter { INNER OUTER }
  enum AreaOrderField { CODE NAME POPULATION DENSITY AVERAGE_PRICE PRICE_GROWTH_5Y MEDIAN_RENT PTAL GREENSPACE }
  enum OrderDirection { ASC DESC }
  input AreaOrder { field: AreaOrderField!, direction: OrderDirection = ASC }
  type Rent { size: PropertySize!, median: Int, mean: Int, lowerQuartile: Int, upperQuartile: Int, count: Int }
  type Housing {
    medianRentAll: Int, averagePrice: Int, averagePriceMonth: String!, priceChange1yPct: Float, priceChange5yPct: Float
    rent(size: PropertySize!): Rent
    rents: [Rent!]!
  }
  type Safety { period: String!, crimeRatePer1000: Float, rank: Int }
  type Schools { period: String!, gcse5acPct: Float, rank: Int }
  type Transport { ptal: Float, stationCount: Int! }
  type Area {
    code: ID!, name: String!, innerOuter: InnerOuter!, population: Int
    housing: Housing!, safety: Safety, schools: Schools, transport: Transport!
  }
  type AreaConnection { totalCount: Int!, nodes: [Area!]! }
  type FactorWeights {
    affordability: Float!, commute: Float!, safety: Float!, schools: Float!, transport: Float!, greenSpace: Float!, priceGrowth: Float!
  }
  type Persona {
    key: PersonaId!, name: String!, description: String!, defaultSize: PropertySize!, defaultLocationType: LocationType!
    weights: FactorWeights!
  }
  type Query {
    area(code: ID!): Area
    areas(first: Int = 20, orderBy: AreaOrder): AreaConnection!
    personas: [Persona!]!
  }
`;

type Json = Record<string, any>;

/** buildSchema enums serialize their own names: engine values are mapped to GraphQL names once, here. */
const SIZE: Record<string, string> = {
  room: 'ROOM',
  studio: 'STUDIO',
  '1bed': 'ONE_BED',
  '2bed': 'TWO_BED',
  '3bed': 'THREE_BED',
  '4plus': 'FOUR_PLUS_BED',
};

/** Every area, crime and schools figure and the personas, from a python/serve.py started for it and stopped. */
async function loadData() {
  const python = process.env.PYTHON ?? 'python3';
  const script = fileURLToPath(new URL('../../python/serve.py', import.meta.url));
  const engine = spawn(python, [script, '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the engine did not start within 20 s')), 20_000);
      engine.once('exit', (code) => reject(new Error(`the engine exited (code ${code})`)));
      createInterface({ input: engine.stdout! }).on('line', (line) => {
        const match = /veo-engine listening on (http:\/\/\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const post = async (path: string, body: Json) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`engine ${path}: HTTP ${response.status}`);
      return (await response.json()) as Json;
    };
    const { areas } = await post('/areas', {});
    const codes = (areas as Json[]).map((a) => a.code as string);
    const [{ crime }, { schools }, { personas }] = await Promise.all([
      post('/crime', { codes }),
      post('/schools', { codes }),
      post('/personas', {}),
    ]);
    return { areas: areas as Json[], crime: crime as (Json | null)[], schools: schools as (Json | null)[], personas: personas as Json[] };
  } finally {
    engine.kill('SIGTERM');
  }
}

type SortKey = string | number | null;

function prepare(data: Awaited<ReturnType<typeof loadData>>) {
  const areas = data.areas.map((a, i) => {
    const rents = (a.housing.rents as Json[]).map((r) => ({ ...r, size: SIZE[r.size] }));
    const rentBySize = new Map(rents.map((r) => [r.size as string, r]));
    const crime = data.crime[i];
    return {
      area: {
        code: a.code as string,
        name: a.name,
        innerOuter: String(a.innerOuter).toUpperCase(),
        population: a.population,
        housing: { ...a.housing, rents, rent: ({ size }: { size: string }) => rentBySize.get(size) ?? null },
        safety: crime ? { period: crime.period, crimeRatePer1000: crime.ratePer1000, rank: crime.rank } : null,
        schools: data.schools[i],
        transport: a.transport,
      },
      sortBy: {
        CODE: a.code,
        NAME: a.name,
        POPULATION: a.population,
        DENSITY: a.densityPerHectare,
        AVERAGE_PRICE: a.housing.averagePrice,
        PRICE_GROWTH_5Y: a.housing.priceChange5yPct,
        MEDIAN_RENT: a.housing.medianRentAll,
        PTAL: a.transport.ptal,
        GREENSPACE: a.environment.greenspacePct,
      } as Record<string, SortKey>,
    };
  });
  // Every order, and in each every page from the start (first = 0 to all): one Map lookup per request.
  const pages = new Map<string, { totalCount: number; nodes: Json[] }[]>();
  for (const field of Object.keys(areas[0]?.sortBy ?? {})) {
    for (const direction of ['ASC', 'DESC']) {
      const nodes = sorted(areas, field, direction).map((x) => x.area);
      pages.set(
        `${field} ${direction}`,
        Array.from({ length: nodes.length + 1 }, (_, first) => ({ totalCount: nodes.length, nodes: nodes.slice(0, first) })),
      );
    }
  }
  const personas = data.personas.map((p) => ({
    ...p,
    key: String(p.id).toUpperCase(),
    defaultSize: SIZE[p.defaultSize],
    defaultLocationType: String(p.defaultLocationType).toUpperCase(),
  }));
  return { byCode: new Map(areas.map((x) => [x.area.code, x.area])), pages, personas };
}

/** Missing figures last whatever the direction, then by code (the order src/resolvers/areas.ts gives). */
function sorted<T extends { area: { code: string }; sortBy: Record<string, SortKey> }>(list: T[], field: string, direction: string): T[] {
  const sign = direction === 'DESC' ? -1 : 1;
  return [...list].sort((x, y) => {
    const a = x.sortBy[field];
    const b = y.sortBy[field];
    if (a == null || b == null) return a == null && b == null ? x.area.code.localeCompare(y.area.code) : a == null ? 1 : -1;
    const cmp = typeof a === 'string' ? a.localeCompare(String(b)) : a - (b as number);
    return cmp !== 0 ? sign * cmp : x.area.code.localeCompare(y.area.code);
  });
}

/** The schema with its Query resolvers attached, so graphql-js `execute` and Yoga run the same one. */
export async function preparedSchema(): Promise<GraphQLSchema> {
  const data = prepare(await loadData());
  const schema = buildSchema(SDL);
  const resolvers: Record<string, GraphQLFieldResolver<unknown, unknown, any>> = {
    area: (_, { code }: { code: string }) => data.byCode.get(code) ?? null,
    areas: (_, { first, orderBy }: { first: number; orderBy?: { field: string; direction: string } }) => {
      const pages = data.pages.get(`${orderBy?.field ?? 'NAME'} ${orderBy?.direction ?? 'ASC'}`)!;
      return pages[Math.max(0, Math.min(first, pages.length - 1))];
    },
    personas: () => data.personas,
  };
  const fields = schema.getQueryType()!.getFields();
  for (const [name, resolve] of Object.entries(resolvers)) fields[name]!.resolve = resolve;
  return schema;
}
