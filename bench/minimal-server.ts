/**
 * The practical limit to beat: node:http + graphql-js with a parse cache, no framework, no plugins. It answers
 * the benchmark's documents (dashboard, single area, personas) with the same field names and shapes as the
 * real schema, over the same data: at start it asks a Python engine for every area, crime and schools figure
 * and the personas, keeps them in memory and stops the engine.
 *
 *   node --import tsx bench/minimal-server.ts [--port 0] [--host 127.0.0.1]
 *
 * Prints `minimal listening on http://HOST:PORT` once it accepts connections. POST /graphql (JSON body) only,
 * plus GET /health.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSchema, type DocumentNode, execute, type GraphQLError, parse, validate } from 'graphql';

const { values: argv } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});

// Only what the benchmark documents select, named and shaped as in schema.graphql.
const schema = buildSchema(/* GraphQL */ `
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
`);

// ---------------------------------------------------------------------------------------------------------
// Data, fetched once from the engine (python/README.md has the contract)

type Json = Record<string, any>;

/** buildSchema enums serialize their own names, so engine values are mapped to GraphQL names once, here. */
const SIZE: Record<string, string> = {
  room: 'ROOM',
  studio: 'STUDIO',
  '1bed': 'ONE_BED',
  '2bed': 'TWO_BED',
  '3bed': 'THREE_BED',
  '4plus': 'FOUR_PLUS_BED',
};

async function loadData() {
  const python = process.env.PYTHON ?? 'python3';
  const script = fileURLToPath(new URL('../python/serve.py', import.meta.url));
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

/** Plain objects in the schema's shape; the default resolver reads properties and calls methods with args. */
function shape(data: Awaited<ReturnType<typeof loadData>>) {
  const areas = data.areas.map((a, i) => {
    const rents = (a.housing.rents as Json[]).map((r) => ({ ...r, size: SIZE[r.size] }));
    const crime = data.crime[i];
    const schools = data.schools[i];
    return {
      code: a.code,
      name: a.name,
      innerOuter: String(a.innerOuter).toUpperCase(),
      population: a.population,
      housing: { ...a.housing, rents, rent: ({ size }: { size: string }) => rents.find((r) => r.size === size) ?? null },
      safety: crime ? { period: crime.period, crimeRatePer1000: crime.ratePer1000, rank: crime.rank } : null,
      schools,
      transport: a.transport,
      // for sorting, as the real resolver does
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
      } as Record<string, string | number | null>,
    };
  });
  const personas = data.personas.map((p) => ({
    ...p,
    key: String(p.id).toUpperCase(),
    defaultSize: SIZE[p.defaultSize],
    defaultLocationType: String(p.defaultLocationType).toUpperCase(),
  }));
  return { areas, byCode: new Map(areas.map((a) => [a.code as string, a])), personas };
}

type Area = ReturnType<typeof shape>['areas'][number];

/** Missing figures last whatever the direction, then by code (the order src/resolvers/areas.ts gives). */
function sorted(list: Area[], field: string, direction: string): Area[] {
  const sign = direction === 'DESC' ? -1 : 1;
  return [...list].sort((x, y) => {
    const a = x.sortBy[field];
    const b = y.sortBy[field];
    if (a == null || b == null) return a == null && b == null ? x.code.localeCompare(y.code) : a == null ? 1 : -1;
    const cmp = typeof a === 'string' ? a.localeCompare(String(b)) : a - (b as number);
    return cmp !== 0 ? sign * cmp : x.code.localeCompare(y.code);
  });
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

const PARSE_CACHE_MAX = 1_000;
const parsed = new Map<string, { document: DocumentNode } | { errors: readonly GraphQLError[] }>();

/** Parse and validate once per distinct query text. */
function documentFor(query: string) {
  let entry = parsed.get(query);
  if (!entry) {
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      entry = errors.length ? { errors } : { document };
    } catch (error) {
      entry = { errors: [error as GraphQLError] };
    }
    if (parsed.size >= PARSE_CACHE_MAX) parsed.clear();
    parsed.set(query, entry);
  }
  return entry;
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse, rootValue: unknown) {
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'Not found' }] });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return send(res, 400, { errors: [{ message: 'Body is not JSON' }] });
  }
  if (typeof body.query !== 'string') return send(res, 400, { errors: [{ message: 'Missing query' }] });
  const entry = documentFor(body.query);
  if ('errors' in entry) return send(res, 400, { errors: entry.errors });
  const result = await execute({
    schema,
    document: entry.document,
    rootValue,
    variableValues: body.variables,
    operationName: body.operationName,
  });
  send(res, 200, result);
}

const data = shape(await loadData());
const rootValue = {
  area: ({ code }: { code: string }) => data.byCode.get(code) ?? null,
  areas: ({ first, orderBy }: { first: number; orderBy?: { field: string; direction: string } }) => {
    const list = sorted(data.areas, orderBy?.field ?? 'NAME', orderBy?.direction ?? 'ASC');
    return { totalCount: list.length, nodes: list.slice(0, first) };
  },
  personas: () => data.personas,
};

const server = createServer((req, res) => {
  handle(req, res, rootValue).catch((error: Error) => send(res, 500, { errors: [{ message: error.message }] }));
});
server.listen(Number(argv.port), argv.host, () => {
  process.stdout.write(`minimal listening on http://${argv.host}:${(server.address() as AddressInfo).port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
