import { readdirSync, readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { schema } from '../src/schema/index.ts';
import { readCsv } from './helpers/data.ts';
import { multipartParts } from './helpers/multipart.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const dir = new URL('../operations/', import.meta.url);
const operations = readdirSync(dir).filter((f) => f.endsWith('.graphql'));

const variables: Record<string, Record<string, unknown>> = {
  'dashboard.graphql': {},
  'recommend.graphql': { input: { persona: 'STUDENT', budget: 900, locationType: 'RENT', commuteTo: '145', limit: 5 } },
  'area-detail.graphql': { code: 'E09000012', to: '145' },
  'find-station.graphql': { search: 'bank' },
  'recommend-with-explanations.graphql': { input: { persona: 'PARENT', budget: 2500, locationType: 'RENT', limit: 3 } },
  // A real id: the engine's deterministic id of a question (asked in the test first).
  'explanation.graphql': {},
};

// What the answers must say, from the engine's own data files (python/data) or from the engine itself.
const byCode = (rows: Record<string, string>[]) => new Map(rows.map((row) => [row.code!, row]));
const boroughs = byCode(readCsv('boroughs.csv'));
const rents = byCode(readCsv('rents.csv'));
const prices = byCode(readCsv('house_prices.csv'));
const centroids = byCode(readCsv('borough_centroids.csv'));
const rentsBySize = readCsv('rents_by_category.csv');
const stations = readCsv('tube_stations.csv');
const lines = new Map(readCsv('tube_lines.csv').map((line) => [line.id!, line]));
const linesAt = new Map<string, Set<string>>();
for (const c of readCsv('tube_connections.csv')) {
  for (const station of [c.station1!, c.station2!]) (linesAt.get(station) ?? linesAt.set(station, new Set()).get(station)!).add(c.line!);
}

/** A figure as the API answers it: a number, or null where the data has none. */
const num = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value));
const SIZES = {
  room: 'ROOM',
  studio: 'STUDIO',
  '1bed': 'ONE_BED',
  '2bed': 'TWO_BED',
  '3bed': 'THREE_BED',
  '4plus': 'FOUR_PLUS_BED',
} as const;
/** An engine enum value as GraphQL names it: greenSpace is GREEN_SPACE. */
const enumName = (value: string) => value.replace(/([A-Z])/g, '_$1').toUpperCase();
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
/** A global id as the README documents it: base64url of `<Type>:<code or key>`. */
const globalId = (type: string, key: string | number) => Buffer.from(`${type}:${key}`).toString('base64url');
/** The tube lines at these stations, by name, as `{ id, name, colour }`. */
const linesOf = (stationIds: string[]) =>
  [...new Set(stationIds.flatMap((id) => [...(linesAt.get(id) ?? [])]))]
    .map((id) => ({ id: globalId('Line', id), name: lines.get(id)!.name!, colour: lines.get(id)!.colour || null }))
    .sort(byName);
/** 1 + the boroughs with a better figure in `column`; null for a borough without one. */
function rank(code: string, column: string, better: (other: number, mine: number) => boolean) {
  const mine = num(boroughs.get(code)![column]);
  if (mine === null) return null;
  return 1 + [...boroughs.values()].filter((b) => b[column] !== '' && better(Number(b[column]), mine)).length;
}
const crimeRank = (code: string) => rank(code, 'crime_rate_per_1000_2014_15', (other, mine) => other < mine);
const schoolsRank = (code: string) => rank(code, 'gcse_5ac_pct_2013_14', (other, mine) => other > mine);

/** The engine's own answer, straight from its HTTP contract. */
async function engine(path: string, body?: unknown): Promise<any> {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(`${inject('engineUrl')}/${path}`, init);
  expect(response.status).toBe(200);
  return response.json();
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** Every payload of an incremental (multipart/mixed) answer; none but the first may carry errors. */
async function deferred(query: string, vars: Record<string, unknown>) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
    body: JSON.stringify({ query, variables: vars }),
  });
  const parts = (await multipartParts(response, performance.now())).map(({ part }) => part);
  for (const part of parts.slice(1)) expect(part.errors).toBeUndefined();
  return parts;
}

/** The answer of each operation, checked against the data; `parts` are the later payloads of a @defer answer. */
const checks: Record<string, (data: any, parts: any[]) => Promise<void> | void> = {
  'dashboard.graphql': ({ areas }) => {
    expect(areas.totalCount).toBe(33);
    // By median rent, ascending: missing figures last, then by code.
    const order = [...rents.values()]
      .sort((a, b) => (num(a.median_all) ?? Infinity) - (num(b.median_all) ?? Infinity) || a.code!.localeCompare(b.code!))
      .map((row) => row.code);
    expect(areas.nodes.map((n: any) => n.code)).toEqual(order);
    for (const node of areas.nodes) {
      const b = boroughs.get(node.code)!;
      expect(node).toEqual({
        id: globalId('Area', node.code),
        code: node.code,
        name: b.name,
        innerOuter: b.inner_outer!.toUpperCase(),
        housing: {
          medianRentAll: num(rents.get(node.code)!.median_all),
          averagePrice: num(prices.get(node.code)!.avg_price_latest),
          priceChange5yPct: num(prices.get(node.code)!.change_5y_pct),
          rent: { median: num(rents.get(node.code)!.median_1bed) },
        },
        safety: { crimeRatePer1000: num(b.crime_rate_per_1000_2014_15), rank: crimeRank(node.code) },
        schools: { gcse5acPct: num(b.gcse_5ac_pct_2013_14) },
        transport: { ptal: num(b.ptal_avg_2014), stationCount: stations.filter((s) => s.borough_code === node.code).length },
      });
    }
  },

  'area-detail.graphql': async ({ area }) => {
    const code = 'E09000012';
    const b = boroughs.get(code)!;
    const price = prices.get(code)!;
    const inside = stations.filter((s) => s.borough_code === code).map((s) => s.id!);
    // The route itself is the engine's (a shortest path over the network); the figures are the data's.
    const [route] = (await engine('commute', { pairs: [{ from: code, to: 145 }] })).commutes;
    expect(area).toEqual({
      id: globalId('Area', code),
      code,
      name: b.name,
      population: num(b.population_2017),
      centroid: { lat: num(centroids.get(code)!.lat), lon: num(centroids.get(code)!.lon) },
      housing: {
        rentPeriod: rents.get(code)!.period,
        rents: Object.entries(SIZES).map(([category, size]) => {
          const row = rentsBySize.find((r) => r.code === code && r.category === category)!;
          return {
            size,
            median: num(row.median),
            lowerQuartile: num(row.lower_quartile),
            upperQuartile: num(row.upper_quartile),
            count: num(row.count_of_rents),
          };
        }),
        averagePrice: num(price.avg_price_latest),
        averagePriceMonth: price.latest_month,
        priceChange1yPct: num(price.change_1y_pct),
      },
      environment: { greenspacePct: num(b.greenspace_pct_2005) },
      transport: { ptal: num(b.ptal_avg_2014), lines: linesOf(inside) },
      safety: { crimeRatePer1000: num(b.crime_rate_per_1000_2014_15), rank: crimeRank(code) },
      schools: { gcse5acPct: num(b.gcse_5ac_pct_2013_14), rank: schoolsRank(code) },
      commute: {
        minutes: route.minutes,
        changes: route.changes,
        legs: route.legs.map((leg: any) => ({
          line: { id: globalId('Line', leg.line.id), name: leg.line.name, colour: leg.line.colour },
          from: { id: globalId('Station', leg.from.id), name: leg.from.name },
          to: { id: globalId('Station', leg.to.id), name: leg.to.name },
          stops: leg.stops,
          minutes: leg.minutes,
        })),
      },
    });
    expect(area.commute.legs.at(-1).to.name).toBe(stations.find((s) => s.id === '145')!.name);
  },

  'find-station.graphql': ({ stations: found }) => {
    const expected = stations
      .filter((s) => s.name!.toLowerCase().includes('bank'))
      .map((s) => ({ id: globalId('Station', s.id!), code: s.id, name: s.name!, zone: num(s.zone), lines: linesOf([s.id!]) }))
      .sort(byName)
      .slice(0, 10);
    expect(expected.length).toBeGreaterThan(1);
    expect(found).toEqual(expected);
  },

  'recommend.graphql': async ({ recommendations }) => {
    const answer = await engine('recommend', { persona: 'student', budget: 900, locationType: 'rent', commuteTo: 145, limit: 5 });
    const priceOf = (code: string) => num(rents.get(code)![`median_${answer.size}`]);
    const area = (code: string) => ({ id: globalId('Area', code), code, name: boroughs.get(code)!.name });
    expect(recommendations).toEqual({
      total: answer.total,
      size: SIZES[answer.size as keyof typeof SIZES],
      weights: answer.weights,
      results: answer.results.map((r: any) => ({
        rank: r.rank,
        score: r.score,
        price: priceOf(r.code),
        commute: r.commute,
        area: area(r.code),
        breakdown: r.breakdown.map((f: any) => ({ ...f, factor: enumName(f.factor) })),
      })),
      excluded: answer.excluded.map((e: any) => ({ area: area(e.code), reason: e.reason })),
    });
    expect(recommendations.results).toHaveLength(5);
    for (const r of recommendations.results) expect(r.price).toBeLessThanOrEqual(900);
  },

  'recommend-with-explanations.graphql': async ({ recommendations }, parts) => {
    const answer = await engine('recommend', { persona: 'parent', budget: 2500, locationType: 'rent', limit: 3 });
    expect(recommendations).toEqual({
      total: answer.total,
      results: answer.results.map((r: any) => ({
        rank: r.rank,
        score: r.score,
        area: { id: globalId('Area', r.code), code: r.code, name: boroughs.get(r.code)!.name },
      })),
    });
    // Each explanation arrives in a later payload, at its result's path, READY with the template's text.
    const explained = parts.flatMap((part) => part.incremental ?? []);
    expect(explained.map((item: any) => item.path).sort()).toEqual(
      answer.results.map((_: unknown, i: number) => ['recommendations', 'results', i]),
    );
    for (const item of explained) {
      const name = recommendations.results[item.path[2]].area.name;
      expect(item.data.explanation).toMatchObject({ status: 'READY', source: 'TEMPLATE' });
      expect(item.data.explanation.text).toContain(name);
    }
  },

  'explanation.graphql': async ({ explanation }) => {
    expect(explanation).toMatchObject({ id: variables['explanation.graphql']!.id, status: 'READY', source: 'TEMPLATE', error: null });
    // The global id holds the key: the engine's id of the question, signed by this server.
    expect(explanation.id).toBe(globalId('Explanation', explanation.key));
    expect(explanation.key).toMatch(/^ex1_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    // The template names the persona's default figure for the area: for a parent, its rent or price.
    const parent = (await engine('personas')).personas.find((p: any) => p.id === 'parent');
    const figure =
      parent.defaultLocationType === 'rent'
        ? num(rents.get('E09000007')![`median_${parent.defaultSize}`])
        : num(prices.get('E09000007')!.avg_price_latest);
    expect(explanation.text).toContain('Camden');
    expect(explanation.text).toContain(`£${figure!.toLocaleString('en-US')}`);
  },
};

describe('the example operations frontend teams copy', () => {
  it.each(operations)('%s is valid and answers what the data says', async (file) => {
    const source = readFileSync(new URL(file, dir), 'utf8');
    // @defer is added to the schema by Yoga's plugin at run time; the server validates those documents.
    if (!source.includes('@defer')) expect(validate(schema, parse(source))).toEqual([]);
    expect(variables[file], `add variables for ${file}`).toBeDefined();
    expect(checks[file], `add checks for ${file}`).toBeDefined();
    let later: any[] = [];
    let body: any;
    if (file === 'explanation.graphql') {
      const asked = await server.gql(`mutation { requestExplanation(areaCode: "E09000007", persona: PARENT) { id } }`);
      variables[file] = { id: asked.body.data!.requestExplanation.id };
      // The job runs in the background: read it until it has finished (the template takes milliseconds).
      for (let i = 0; i < 50; i += 1) {
        ({ body } = await server.gql(source, variables[file]));
        if (body.data?.explanation?.status !== 'PENDING') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } else if (source.includes('@defer')) {
      [body, ...later] = await deferred(source, variables[file]!);
    } else {
      ({ body } = await server.gql(source, variables[file]));
    }
    expect(body.errors).toBeUndefined();
    await checks[file]!(body.data, later);
  });
});
