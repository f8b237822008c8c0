/**
 * Cache benchmark: two stateless instances of the real server on one Redis, replaying a seeded, skewed mix of
 * dashboard reads, recommendations and commute lookups. Reports, after warm-up, the hit ratio per cache kind,
 * engine calls per 1,000 requests, throughput and latency per request type. See bench/README.md.
 *
 *   node --import tsx bench/cache-mix.ts [--requests 15000] [--seed 20240601] [--concurrency 8] [--warmup 0.2]
 *
 * Needs a Redis (REDIS_URL, default redis://127.0.0.1:6379) and python3 (PYTHON overrides).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { startUpstashLocal, type UpstashLocal } from '../scripts/upstash-local.ts';
import { loadConfig } from '../src/config/config.ts';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';
import { type App, createApp } from '../src/yoga.ts';
import { POPULAR_DESTINATION_NAMES } from './lib/documents.ts';
import { mulberry32 } from './lib/random.ts';

// ---------------------------------------------------------------------------------------------------------
// Parameters

const { values: argv } = parseArgs({
  options: {
    requests: { type: 'string', default: '15000' },
    seed: { type: 'string', default: '20240601' },
    concurrency: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '0.2' },
    out: { type: 'string', default: 'CACHE-RESULTS.md' },
    'no-write': { type: 'boolean', default: false },
  },
});
const REQUESTS = positiveInt('requests', argv.requests);
const SEED = positiveInt('seed', argv.seed) >>> 0;
const CONCURRENCY = positiveInt('concurrency', argv.concurrency);
const WARMUP_SHARE = Number(argv.warmup);
if (!(WARMUP_SHARE >= 0 && WARMUP_SHARE < 1)) fail('--warmup must be a fraction in [0, 1)');
const WARMUP = Math.floor(REQUESTS * WARMUP_SHARE);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const OUT = new URL(argv.out, import.meta.url); // relative to this file, i.e. bench/

function positiveInt(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) fail(`--${name} must be a positive integer`);
  return n;
}
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------
// Deterministic randomness

const rng = mulberry32(SEED);

/** Picks from `items` with the given weights (need not add up to 1). */
function weighted<T>(items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = rng() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

/** Zipf over `items` in popularity order: the k-th (1-based) is chosen with weight 1 / k^s. */
function zipf<T>(items: readonly T[], s = 1): () => T {
  const cumulative: number[] = [];
  let sum = 0;
  items.forEach((_, i) => {
    sum += 1 / (i + 1) ** s;
    cumulative.push(sum);
  });
  return () => {
    const r = rng() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return items[lo]!;
  };
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The mix

const AREA_CODES = Array.from({ length: 33 }, (_, i) => `E09${String(i + 1).padStart(6, '0')}`);
/** Which boroughs are popular is drawn from the seed; how skewed popularity is is fixed (Zipf, s = 1). */
const AREA_POPULARITY = shuffled(AREA_CODES);
const pickArea = zipf(AREA_POPULARITY);

// Station ids from python/data/tube_stations.csv, read at start-up rather than guessed.
const STATIONS = readFileSync(new URL('../python/data/tube_stations.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [id, name, , , zone, lines] = line.split(',');
    return { id: Number(id), name: name!, zone: Number(zone), lines: Number(lines) };
  });
const stationId = (name: string): number => {
  const found = STATIONS.find((s) => s.name === name);
  if (!found) fail(`no station named ${name} in tube_stations.csv`);
  return found.id;
};
const POPULAR_DESTINATIONS = POPULAR_DESTINATION_NAMES.map(stationId);
/** Commute lookups: the popular 15, then interchanges (most lines first, then the most central), 60 in all. */
const COMMUTE_DESTINATIONS = [
  ...POPULAR_DESTINATIONS,
  ...STATIONS.filter((s) => !POPULAR_DESTINATIONS.includes(s.id))
    .sort((a, b) => b.lines - a.lines || a.zone - b.zone || a.id - b.id)
    .slice(0, 60 - POPULAR_DESTINATIONS.length)
    .map((s) => s.id),
];
const pickDestination = zipf(POPULAR_DESTINATIONS);
const pickCommuteDestination = zipf(COMMUTE_DESTINATIONS);
const pickMaxMinutes = zipf([45, 30, 60]);

/** Budgets per persona and tenure, most common first; a few per cent are typed-in values off these lists. */
const BUDGETS = {
  STUDENT: { RENT: zipf([800, 700, 900, 600, 1000, 1200]) },
  PARENT: {
    RENT: zipf([2000, 1500, 2500, 1200, 3000, 1000]),
    BUY: zipf([500_000, 600_000, 450_000, 550_000, 700_000, 400_000, 650_000, 750_000, 800_000, 350_000, 900_000, 300_000, 850_000]),
  },
  DEVELOPER: {
    RENT: zipf([1500, 2000, 1200, 2500, 3000]),
    BUY: zipf([400_000, 350_000, 500_000, 300_000, 450_000, 600_000, 700_000, 550_000, 800_000, 900_000]),
  },
} as const;
const OFF_LIST_BUDGET = 0.05;

type Persona = 'STUDENT' | 'PARENT' | 'DEVELOPER';
const PERSONAS = {
  STUDENT: {
    weight: 0.5,
    buy: 0,
    commute: 0.7,
    sizes: [
      [null, 0.85],
      ['STUDIO', 0.15],
    ],
  },
  PARENT: {
    weight: 0.35,
    buy: 0.4,
    commute: 0.6,
    sizes: [
      [null, 0.7],
      ['TWO_BED', 0.15],
      ['THREE_BED', 0.15],
    ],
  },
  DEVELOPER: { weight: 0.15, buy: 0.9, commute: 0.2, sizes: [[null, 1]] },
} as const satisfies Record<
  Persona,
  { weight: number; buy: number; commute: number; sizes: readonly (readonly [string | null, number])[] }
>;
const MAX_MINUTES_SHARE = 0.35;

const DOCS = {
  areaHousing: `query AreaHousing($code: ID!) { area(code: $code) { code name housing { medianRentAll averagePrice rent(size: ONE_BED) { median } } } }`,
  areaSafety: `query AreaSafety($code: ID!) { area(code: $code) { code name housing { medianRentAll averagePrice } safety { crimeRatePer1000 rank } } }`,
  areaSchools: `query AreaSchools($code: ID!) { area(code: $code) { code name housing { medianRentAll averagePrice } safety { crimeRatePer1000 rank } schools { gcse5acPct rank } } }`,
  dashboard: `query Dashboard { areas(first: 33, orderBy: { field: MEDIAN_RENT, direction: ASC }) { totalCount nodes { code name housing { medianRentAll averagePrice rent(size: ONE_BED) { median } } safety { crimeRatePer1000 rank } schools { gcse5acPct } } } }`,
  recommendations: `query Recommend($input: RecommendationInput!) { recommendations(input: $input) { total commuteTo { id name } results { rank score price area { code name } commute { minutes changes } } excluded { area { code } reason { code } } } }`,
  commute: `query Commute($code: ID!, $to: ID!) { area(code: $code) { code commute(to: $to) { minutes changes } } }`,
  personas: `query Personas { personas { key name defaultLocationType defaultSize } }`,
} as const;

const REQUEST_TYPES = [
  ['area: housing', 0.2],
  ['area: housing+safety', 0.12],
  ['area: housing+safety+schools', 0.06],
  ['dashboard (33 areas)', 0.04],
  ['recommendations', 0.35],
  ['commute', 0.2],
  ['personas', 0.03],
] as const;
type RequestType = (typeof REQUEST_TYPES)[number][0];

interface Planned {
  type: RequestType;
  instance: 0 | 1;
  query: string;
  variables?: Record<string, unknown>;
}

function recommendationInput(): Record<string, unknown> {
  const persona = weighted(Object.entries(PERSONAS).map(([p, c]) => [p as Persona, c.weight] as const));
  const config = PERSONAS[persona];
  const locationType = rng() < config.buy ? 'BUY' : 'RENT';
  const budgets = BUDGETS[persona] as Partial<Record<'RENT' | 'BUY', () => number>>;
  let budget = budgets[locationType]!();
  if (rng() < OFF_LIST_BUDGET) {
    budget = locationType === 'RENT' ? 500 + 50 * Math.floor(rng() * 51) : 250_000 + 10_000 * Math.floor(rng() * 76);
  }
  const input: Record<string, unknown> = { persona, budget, locationType, limit: 10 };
  if (locationType === 'RENT') {
    const size = weighted(config.sizes);
    if (size) input.size = size;
  }
  if (rng() < config.commute) {
    input.commuteTo = String(pickDestination());
    if (rng() < MAX_MINUTES_SHARE) input.maxCommuteMinutes = pickMaxMinutes();
  }
  return input;
}

function plan(): Planned {
  const type = weighted(REQUEST_TYPES);
  const instance = rng() < 0.5 ? 0 : 1;
  switch (type) {
    case 'area: housing':
      return { type, instance, query: DOCS.areaHousing, variables: { code: pickArea() } };
    case 'area: housing+safety':
      return { type, instance, query: DOCS.areaSafety, variables: { code: pickArea() } };
    case 'area: housing+safety+schools':
      return { type, instance, query: DOCS.areaSchools, variables: { code: pickArea() } };
    case 'dashboard (33 areas)':
      return { type, instance, query: DOCS.dashboard };
    case 'recommendations':
      return { type, instance, query: DOCS.recommendations, variables: { input: recommendationInput() } };
    case 'commute':
      return { type, instance, query: DOCS.commute, variables: { code: pickArea(), to: String(pickCommuteDestination()) } };
    case 'personas':
      return { type, instance, query: DOCS.personas };
  }
}

/** Sorted-key JSON: one string per distinct question, as the server's own key is one per distinct question. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
        )
      : v;
  return JSON.stringify(sort(value));
}

/**
 * The cache keys a request is sure to ask for, for the kinds where the request alone says which (not `area`:
 * recommendations look up the areas they rank, and a dashboard writes every area under its own key).
 */
function plannedKeys(r: Planned): string[] {
  const v = r.variables ?? {};
  switch (r.type) {
    case 'area: housing':
      return [];
    case 'area: housing+safety':
      return [`crime:${v.code}`];
    case 'area: housing+safety+schools':
      return [`crime:${v.code}`, `schools:${v.code}`];
    case 'dashboard (33 areas)':
      return AREA_CODES.flatMap((code) => [`crime:${code}`, `schools:${code}`]);
    case 'recommendations': {
      const input = v.input as Record<string, unknown>;
      return [`recommendation:${canonical(input)}`, ...(input.commuteTo ? [`station:${input.commuteTo}`] : [])];
    }
    case 'commute':
      return [`commute:${v.code}>${v.to}`];
    case 'personas':
      return ['persona:all'];
  }
}

/** Per kind: keys first asked after warm-up, i.e. the fewest misses any cache could have in the measured phase. */
function compulsoryMisses(requests: readonly Planned[]): Map<string, number> {
  const seen = new Set<string>();
  const out = new Map<string, number>(['crime', 'schools', 'commute', 'recommendation', 'station', 'persona'].map((k) => [k, 0]));
  requests.forEach((r, i) => {
    for (const key of plannedKeys(r)) {
      if (seen.has(key)) continue;
      seen.add(key);
      if (i >= WARMUP) out.set(key.split(':')[0]!, out.get(key.split(':')[0]!)! + 1);
    }
  });
  return out;
}

/** Distinct keys per kind over the whole run. */
function distinctKeys(requests: readonly Planned[]): Map<string, number> {
  const out = new Map<string, Set<string>>();
  for (const r of requests) {
    for (const key of plannedKeys(r)) {
      const kind = key.split(':')[0]!;
      (out.get(kind) ?? out.set(kind, new Set()).get(kind)!).add(key);
    }
  }
  return new Map([...out].map(([k, set]) => [k, set.size]));
}

// ---------------------------------------------------------------------------------------------------------
// Running it

interface Instance {
  app: App;
  server: Server;
  url: string;
}

interface Outcome {
  type: RequestType;
  ms: number;
  error?: string;
}

async function startInstance(env: Record<string, string | undefined>, events: Map<string, number>): Promise<Instance> {
  const app = createApp(loadConfig(env), { log: (event) => events.set(event, (events.get(event) ?? 0) + 1) });
  const server = createServer(app.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { app, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function send(instance: Instance, request: Planned): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await fetch(`${instance.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: request.query, variables: request.variables }),
    });
    const body = (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
      extensions?: { stale?: unknown };
    };
    const ms = performance.now() - started;
    if (response.status !== 200 || body.errors?.length || body.data == null) {
      const first = body.errors?.[0];
      return {
        type: request.type,
        ms,
        error: `HTTP ${response.status} ${first?.extensions?.code ?? ''} ${first?.message ?? 'no data'}`.trim(),
      };
    }
    if (body.extensions?.stale) return { type: request.type, ms, error: 'answered from a stale copy' };
    return { type: request.type, ms };
  } catch (error) {
    return { type: request.type, ms: performance.now() - started, error: (error as Error).message };
  }
}

/** Sends `requests` with `CONCURRENCY` in flight, in order of index. */
async function replay(instances: Instance[], requests: readonly Planned[], stop: { now: boolean }): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(requests.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, requests.length) }, async () => {
      while (!stop.now && next < requests.length) {
        const i = next++;
        outcomes[i] = await send(instances[requests[i]!.instance]!, requests[i]!);
      }
    }),
  );
  return outcomes.filter(Boolean);
}

type Series = Map<string, number>;

/** `veo_cache_lookups_total` and `veo_engine_requests_total` of one instance, from its own /metrics. */
async function scrape(instance: Instance): Promise<Series> {
  const response = await fetch(`${instance.url}/metrics`);
  if (!response.ok) throw new Error(`${instance.url}/metrics answered ${response.status}`);
  const text = await response.text();
  const series: Series = new Map();
  for (const match of text.matchAll(/^(veo_cache_lookups_total|veo_engine_requests_total)\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const key =
      match[1] === 'veo_engine_requests_total' ? `engine|${labels.endpoint}` : `cache|${labels.kind}|${labels.result}|${labels.tier}`;
    series.set(key, (series.get(key) ?? 0) + Number(match[3]));
  }
  return series;
}

async function scrapeAll(instances: Instance[]): Promise<Series> {
  const total: Series = new Map();
  for (const series of await Promise.all(instances.map(scrape))) {
    for (const [k, v] of series) total.set(k, (total.get(k) ?? 0) + v);
  }
  return total;
}

function delta(after: Series, before: Series): Series {
  const out: Series = new Map();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) !== 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

async function deleteKeys(redis: IORedis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

// ---------------------------------------------------------------------------------------------------------
// Report

const KINDS = ['area', 'crime', 'schools', 'commute', 'recommendation', 'station', 'persona'] as const;
const ENDPOINTS = ['areas', 'crime', 'schools', 'commute', 'recommend', 'stations', 'personas'];
const QUARTERS = 4;

const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
const fmt = (n: number, digits = 1) => n.toFixed(digits);
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], align: readonly ('l' | 'r')[]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Lookups, final hits (memory + Redis) and final misses (Redis misses: those went to the engine) of one kind. */
function outcome(counts: Series, kind: string) {
  const get = (k: string) => counts.get(k) ?? 0;
  const memoryHits = get(`cache|${kind}|hit|memory`);
  const memoryMisses = get(`cache|${kind}|miss|memory`);
  const redisHits = get(`cache|${kind}|hit|redis`);
  const redisMisses = get(`cache|${kind}|miss|redis`);
  const stale = get(`cache|${kind}|stale|memory`) + get(`cache|${kind}|stale|redis`);
  return {
    lookups: memoryHits + memoryMisses,
    memoryHits,
    redisHits,
    misses: redisMisses,
    stale,
    ratio: pct(memoryHits + redisHits, memoryHits + redisHits + redisMisses),
  };
}

interface Run {
  measured: Outcome[];
  counts: Series;
  quarters: Series[];
  wallMs: number;
  totalMs: number;
  events: Map<string, number>;
  params: string[];
  floor: Map<string, number>;
  distinct: Map<string, number>;
}

function report({ measured, counts, quarters, wallMs, totalMs, events, params, floor, distinct }: Run): string {
  const n = measured.length;
  const get = (k: string) => counts.get(k) ?? 0;

  const cacheRows = KINDS.map((kind) => {
    const o = outcome(counts, kind);
    return [
      kind,
      o.lookups,
      o.memoryHits,
      o.redisHits,
      o.misses,
      floor.get(kind) ?? '-',
      distinct.get(kind) ?? '-',
      o.stale,
      `**${o.ratio}**`,
      quarters.map((q) => outcome(q, kind).ratio).join(' / '),
    ] as const;
  });

  const engineTotal = [...counts].filter(([k]) => k.startsWith('engine|')).reduce((s, [, v]) => s + v, 0);
  const endpoints = [...new Set([...ENDPOINTS, ...[...counts.keys()].filter((k) => k.startsWith('engine|')).map((k) => k.slice(7))])];
  const engineRows = endpoints.map((e) => [e, get(`engine|${e}`), fmt((1000 * get(`engine|${e}`)) / n)] as const);

  const latencyRows = REQUEST_TYPES.map(([type]) => {
    const mine = measured.filter((o) => o.type === type);
    const ms = mine.map((o) => o.ms).sort((a, b) => a - b);
    return [
      type,
      mine.length,
      pct(mine.length, n),
      mine.filter((o) => o.error).length,
      fmt(percentile(ms, 50)),
      fmt(percentile(ms, 95)),
    ] as const;
  });
  const all = measured.map((o) => o.ms).sort((a, b) => a - b);
  const errors = measured.filter((o) => o.error);
  const errorKinds = new Map<string, number>();
  for (const o of errors) {
    const key = `${o.type}: ${o.error!.replace(/\d+/g, 'N')}`; // group "retry in 53 s" with "retry in 54 s"
    errorKinds.set(key, (errorKinds.get(key) ?? 0) + 1);
  }
  // Only what suggests trouble (a Redis or engine failure, a fallback), not routine events such as one per request.
  const notable = [...events].filter(([event]) => /fail|error|exit|timeout|stale|limit|fallback|open/i.test(event));

  return [
    `# Cache benchmark results`,
    '',
    ...params.map((p) => `- ${p}`),
    '',
    `Every figure below covers the ${n} requests after warm-up: the first ${WARMUP} requests are warm-up and excluded.`,
    '',
    `## Cache lookups per kind`,
    '',
    'A lookup is one key asked of the cache (a key repeated within one request is asked once). A hit was served from',
    'the memory tier (including joining a fetch already in flight in the same process) or from Redis; a miss went to',
    'the engine. Hit ratio = (memory hits + Redis hits) / (memory hits + Redis hits + misses). "Fewest possible" counts',
    'the keys first asked for after warm-up: no cache can miss less (not computed for `area`, whose keys also come from',
    'recommendation results and from the dashboard writing every area). "Distinct" counts the keys of the whole run.',
    `The last column is the hit ratio in each quarter of the measured phase, in order.`,
    '',
    table(
      [
        'kind',
        'lookups',
        'memory hits',
        'Redis hits',
        'misses (engine)',
        'fewest possible',
        'distinct',
        'stale',
        'hit ratio',
        'by quarter',
      ],
      cacheRows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `## Engine calls`,
    '',
    'HTTP calls to the engine (`veo_engine_requests_total`, retries included), both instances together.',
    '',
    table(
      ['endpoint', 'calls', 'per 1,000 requests'],
      [...engineRows, ['**all**', engineTotal, `**${fmt((1000 * engineTotal) / n)}**`]],
      ['l', 'r', 'r'],
    ),
    '',
    `## Throughput and latency`,
    '',
    `Measured phase: ${n} requests in ${fmt(wallMs / 1000, 2)} s, ${fmt((1000 * n) / wallMs)} requests/s with ` +
      `${CONCURRENCY} in flight. Whole run including warm-up: ${REQUESTS} requests in ${fmt(totalMs / 1000, 2)} s. ` +
      'Latency is measured by the client, request sent to answer parsed.',
    '',
    table(
      ['request type', 'requests', 'share', 'errors', 'p50 ms', 'p95 ms'],
      [...latencyRows, ['**all**', n, '100%', errors.length, fmt(percentile(all, 50)), fmt(percentile(all, 95))]],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Errors (an answer not HTTP 200, without data, with errors, or marked stale): **${errors.length}**` +
      (errorKinds.size ? `\n\n${[...errorKinds].map(([e, c]) => `- ${c} x ${e}`).join('\n')}` : ''),
    ...(notable.length
      ? ['', `Server log events that suggest trouble, during the whole run: ${notable.map(([e, c]) => `${e} x ${c}`).join(', ')}`]
      : []),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const requests = Array.from({ length: REQUESTS }, plan);
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const events = new Map<string, number>();
  const stop = { now: false };
  process.once('SIGINT', () => {
    stop.now = true;
    process.stderr.write('interrupted: finishing the requests in flight, then cleaning up\n');
  });

  const redis = new IORedis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let engine: LocalEngineProcess | undefined;
  let upstash: UpstashLocal | undefined;
  const instances: Instance[] = [];
  try {
    await redis.connect();
    upstash = await startUpstashLocal({ redisUrl: REDIS_URL });
    engine = new LocalEngineProcess({ python: process.env.PYTHON ?? 'python3' });
    const env = {
      ...process.env,
      // As the test suites do: production would ask for settings (CORS origins, ...) a benchmark has no use for.
      NODE_ENV: 'test',
      ENGINE_MODE: 'local',
      LOCAL_ENGINE_URL: await engine.url(),
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      CACHE_PREFIX: prefix,
      // One load generator stands for many clients: lift the anonymous (per-IP) budgets so it is not throttled.
      // The limiter still runs and still charges every request, as in production.
      RATE_LIMIT_POINTS_PER_MINUTE: '10000000',
      RATE_LIMIT_POINTS_PER_DAY: '100000000',
      // /metrics open on each instance's own port, whatever the shell says: the benchmark reads it.
      METRICS_TOKEN: '',
      METRICS_PORT: '',
    };
    instances.push(await startInstance(env, events), await startInstance(env, events));
    const { cache } = loadConfig(env);

    const params = [
      `Date: ${new Date().toISOString()}`,
      `Command: \`node --import tsx bench/cache-mix.ts --requests ${REQUESTS} --seed ${SEED} --concurrency ${CONCURRENCY} --warmup ${WARMUP_SHARE}\``,
      `Seed: ${SEED} (mulberry32). Requests: ${REQUESTS}, the first ${WARMUP} (${fmt(WARMUP_SHARE * 100, 0)}%) warm-up; ${CONCURRENCY} in flight`,
      `System: 2 server instances (createApp on node:http, NODE_ENV=test), one picked at random per request, sharing one Redis ` +
        `through the local Upstash-compatible endpoint; one local Python engine; memory tier ${cache.memoryTtlSeconds} s, ` +
        `recommendation TTL ${cache.ttlSeconds.recommendation} s, other TTLs default; a new key prefix per run; ` +
        'rate limiting on, with the anonymous budgets lifted so the one load generator is not throttled; ' +
        `Node ${process.version}, ${cpus().length} CPUs`,
      `Mix: ${REQUEST_TYPES.map(([t, w]) => `${t} ${fmt(w * 100, 0)}%`).join(', ')} (see bench/README.md)`,
      `Most popular boroughs (Zipf s=1 over the 33, order drawn from the seed): ${AREA_POPULARITY.slice(0, 5).join(', ')}, ...`,
    ];
    process.stderr.write(`seed ${SEED}, ${REQUESTS} requests (${WARMUP} warm-up), ${CONCURRENCY} in flight, key prefix ${prefix}\n`);

    const t0 = performance.now();
    const warm = await replay(instances, requests.slice(0, WARMUP), stop);
    const t1 = performance.now();
    // The measured phase in quarters, to show whether the hit ratios are still climbing at the end.
    const snapshots = [await scrapeAll(instances)];
    const measured: Outcome[] = [];
    let wallMs = 0;
    const rest = requests.slice(WARMUP);
    for (let q = 0; q < QUARTERS; q++) {
      const chunk = rest.slice(Math.floor((q * rest.length) / QUARTERS), Math.floor(((q + 1) * rest.length) / QUARTERS));
      const started = performance.now();
      measured.push(...(await replay(instances, chunk, stop)));
      wallMs += performance.now() - started;
      snapshots.push(await scrapeAll(instances));
    }
    const totalMs = t1 - t0 + wallMs;
    if (stop.now) throw new Error('interrupted');

    const warmErrors = warm.filter((o) => o.error).length;
    params.push(`Errors during warm-up: ${warmErrors}`);
    const markdown = report({
      measured,
      counts: delta(snapshots[QUARTERS]!, snapshots[0]!),
      quarters: snapshots.slice(1).map((s, i) => delta(s, snapshots[i]!)),
      wallMs,
      totalMs,
      events,
      params,
      floor: compulsoryMisses(requests),
      distinct: distinctKeys(requests),
    });
    process.stdout.write(`${markdown}\n`);
    if (!argv['no-write']) writeFileSync(OUT, markdown);
    if (measured.some((o) => o.error) || warmErrors > 0) process.exitCode = 1;
  } finally {
    for (const { server } of instances) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    for (const { app } of instances) await app.close();
    await engine?.stop();
    await upstash?.close();
    if (redis.status === 'ready') {
      const deleted = await deleteKeys(redis, prefix).catch((error: Error) => {
        process.stderr.write(`could not delete the run's keys (${prefix}:*): ${error.message}\n`);
        return 0;
      });
      process.stderr.write(`deleted ${deleted} keys under ${prefix}:*\n`);
      await redis.quit();
    } else {
      redis.disconnect();
    }
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
