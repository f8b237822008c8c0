/**
 * Cache benchmark: two stateless instances of the real server on one Redis, replaying a seeded, skewed mix of
 * dashboard reads, recommendations and commute lookups. Reports, after warm-up, the whole-response cache's hit
 * ratio per operation, the data cache's per kind, engine calls per 1,000 requests, throughput and latency per
 * request type; checks that an `invalidateCache(kind: CRIME)` sent to one instance mid-run is seen by both
 * within CACHE_MEMORY_TTL_SECONDS, and that no answer is served past its TTL or its invalidation. Exits 1 when
 * a check fails or an answer is an error. See bench/README.md.
 *
 *   node --import tsx bench/cache-mix.ts [--requests 15000] [--seed 20240601] [--concurrency 8] [--warmup 0.2]
 *
 * Needs a Redis (REDIS_URL, default redis://127.0.0.1:6379) and python3 (PYTHON overrides).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { startUpstashLocal, type UpstashLocal } from '../scripts/upstash-local.ts';
import { loadConfig } from '../src/config/config.ts';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';
import { type App, createApp } from '../src/yoga.ts';
import { EngineStamps } from './cache-mix/engine-stamps.ts';
import { checkFreshness, freshnessReport } from './cache-mix/freshness.ts';
import { type Answered, post, problemOf } from './cache-mix/graphql.ts';
import { type Invalidation, invalidateMidRun, type Logged } from './cache-mix/invalidation.ts';
import { invalidationReport, judgeInvalidation } from './cache-mix/invalidation-check.ts';
import { count, table } from './cache-mix/markdown.ts';
import { type MarkedAnswer, type Marks, marksOf } from './cache-mix/marks.ts';
import { delta, type Series, scrapeAll } from './cache-mix/metrics.ts';
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
/**
 * Shorter than the run, so that a TTL runs out while it goes on and the freshness check has something to
 * catch; every other kind keeps its default (an hour or more). Personas are 3% of the mix.
 */
const PERSONA_TTL_SECONDS = 10;
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
/** The borough the invalidation probes: the most popular with a crime rate (the City of London has none). */
const PROBED_AREA = AREA_POPULARITY.find((code) => code !== 'E09000001')!;

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

/** Each request type's operation name: the response cache's metric counts by it. */
const OPERATION: Record<RequestType, string> = {
  'area: housing': 'AreaHousing',
  'area: housing+safety': 'AreaSafety',
  'area: housing+safety+schools': 'AreaSchools',
  'dashboard (33 areas)': 'Dashboard',
  recommendations: 'Recommend',
  commute: 'Commute',
  personas: 'Personas',
};

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

/**
 * Per kind: keys first asked after warm-up, i.e. the fewest misses any cache could have in the measured phase.
 * From request `invalidatedAt` on, every crime key is new again: the invalidation dropped them all.
 */
function compulsoryMisses(requests: readonly Planned[], invalidatedAt: number): Map<string, number> {
  const seen = new Set<string>();
  const out = new Map<string, number>(['crime', 'schools', 'commute', 'recommendation', 'station', 'persona'].map((k) => [k, 0]));
  requests.forEach((r, i) => {
    if (i === invalidatedAt) for (const key of seen) if (key.startsWith('crime:')) seen.delete(key);
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
  instance: 0 | 1;
  requestId: string;
  ms: number;
  sentAt: number;
  answeredAt: number;
  error?: string;
  /** The marks the engine proxy left in a good answer's data. */
  marks?: Marks;
}

async function startInstance(
  env: Record<string, string | undefined>,
  events: Map<string, number>,
  logged: Map<string, Logged>,
): Promise<Instance> {
  const log = (event: string, fields: Record<string, unknown> = {}) => {
    events.set(event, (events.get(event) ?? 0) + 1);
    if (event === 'request' && typeof fields.requestId === 'string') {
      logged.set(fields.requestId, {
        responseCache: (fields.responseCache as Logged['responseCache'] | undefined) ?? null,
        engineCalls: Number(fields.engineCalls ?? 0),
      });
    }
  };
  const app = createApp(loadConfig(env), { log });
  const server = createServer(app.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { app, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function send(instance: Instance, request: Planned, index: number): Promise<Outcome> {
  // The server takes it as its request log line's id: the report finds each answer's line by it.
  const requestId = `mix-${String(index).padStart(6, '0')}`;
  const sentAt = Date.now();
  const started = performance.now();
  try {
    const answer = await post(instance.url, { query: request.query, variables: request.variables }, requestId);
    const error = problemOf(answer);
    const { ms, answeredAt } = answer;
    if (error) return { type: request.type, instance: request.instance, requestId, ms, sentAt, answeredAt, error };
    return { type: request.type, instance: request.instance, requestId, ms, sentAt, answeredAt, marks: marksOf(answer.body.data) };
  } catch (error) {
    const ms = performance.now() - started;
    return {
      type: request.type,
      instance: request.instance,
      requestId,
      ms,
      sentAt,
      answeredAt: Date.now(),
      error: (error as Error).message,
    };
  }
}

/** Sends `requests[from..to)` with `CONCURRENCY` in flight, in order of index. */
async function replay(
  instances: Instance[],
  requests: readonly Planned[],
  from: number,
  to: number,
  stop: { now: boolean },
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(to - from);
  let next = from;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, to - from) }, async () => {
      while (!stop.now && next < to) {
        const i = next++;
        outcomes[i - from] = await send(instances[requests[i]!.instance]!, requests[i]!, i);
      }
    }),
  );
  return outcomes.filter(Boolean);
}

/** The engine's data version as `health` reports it on one instance (asked of the engine there and then). */
async function healthDataVersion(instance: Instance): Promise<string | null> {
  const answer = await post(instance.url, { query: '{ health { engine { dataVersion } } }' }, `health-${instance.url.slice(-5)}`);
  const health = answer.body.data?.health as { engine?: { dataVersion?: string | null } } | undefined;
  return health?.engine?.dataVersion ?? null;
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

/** Whole-response cache lookups of one operation (both instances). */
function answers(counts: Series, operation: string) {
  const hits = counts.get(`response|${operation}|hit`) ?? 0;
  const misses = counts.get(`response|${operation}|miss`) ?? 0;
  return { hits, misses, ratio: pct(hits, hits + misses) };
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
  verdicts: string[];
  sections: string[];
}

function report({ measured, counts, quarters, wallMs, totalMs, events, params, floor, distinct, verdicts, sections }: Run): string {
  const n = measured.length;
  const get = (k: string) => counts.get(k) ?? 0;

  const operations = REQUEST_TYPES.map(([type]) => [type, OPERATION[type]] as const);
  const answerRows = operations.map(([type, operation]) => {
    const a = answers(counts, operation);
    return [
      `${operation} (${type})`,
      measured.filter((o) => o.type === type).length,
      a.hits + a.misses,
      a.hits,
      a.misses,
      `**${a.ratio}**`,
      quarters.map((q) => answers(q, operation).ratio).join(' / '),
    ] as const;
  });
  const mix = operations.reduce(
    (sum, [, operation]) => {
      const a = answers(counts, operation);
      return { hits: sum.hits + a.hits, misses: sum.misses + a.misses };
    },
    { hits: 0, misses: 0 },
  );
  const probes = answers(counts, 'CrimeProbe');

  const cacheRows = KINDS.map((kind) => {
    const o = outcome(counts, kind);
    return [
      kind,
      o.lookups,
      o.memoryHits,
      o.redisHits,
      o.misses,
      kind === 'persona' ? '-' : (floor.get(kind) ?? '-'),
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
    `## Checks`,
    '',
    ...verdicts.map((v) => `- ${v}`),
    '',
    `## Whole answers from the response cache, per operation`,
    '',
    'One lookup per query executed (`veo_response_cache_lookups_total`, both instances): a hit is a whole answer from',
    'the response cache (memory tier, or Redis written by either instance), a miss was executed. Lookups match the',
    "requests of each type but for errors. The last column is each quarter's hit ratio, in order; the invalidation",
    'falls at the start of the third.',
    '',
    table(
      ['operation (request type)', 'requests', 'lookups', 'hits', 'misses', 'hit ratio', 'by quarter'],
      [
        ...answerRows,
        ['**the mix**', n, mix.hits + mix.misses, mix.hits, mix.misses, `**${pct(mix.hits, mix.hits + mix.misses)}**`, '-'],
        [
          'CrimeProbe (the invalidation probes, not in the mix)',
          '-',
          probes.hits + probes.misses,
          probes.hits,
          probes.misses,
          probes.ratio,
          '-',
        ],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `## Data cache lookups per kind`,
    '',
    'Only a response-cache miss runs resolvers, so these lookups come from the answers that were executed. A lookup is',
    'one key asked of the data cache (a key repeated within one request is asked once). A hit was served from the memory',
    'tier (including joining a fetch already in flight in the same process) or from Redis; a miss went to the engine.',
    'Hit ratio = (memory hits + Redis hits) / (memory hits + Redis hits + misses). "Fewest possible" counts the keys',
    'first asked for after warm-up, and crime keys asked again after the invalidation: no cache can miss less (not',
    'computed for `area`, whose keys also come from recommendation results and from the dashboard writing every area,',
    `nor for \`persona\`, whose ${PERSONA_TTL_SECONDS} s TTL runs out in the run). "Distinct" counts the keys of the whole run.`,
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
    ...sections,
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
  const logged = new Map<string, Logged>();
  const stop = { now: false };
  process.once('SIGINT', () => {
    stop.now = true;
    process.stderr.write('interrupted: finishing the requests in flight, then cleaning up\n');
  });

  const redis = new IORedis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let engine: LocalEngineProcess | undefined;
  let stamps: EngineStamps | undefined;
  let upstash: UpstashLocal | undefined;
  const instances: Instance[] = [];
  try {
    await redis.connect();
    upstash = await startUpstashLocal({ redisUrl: REDIS_URL });
    const python = new LocalEngineProcess({ python: process.env.PYTHON ?? 'python3' });
    engine = python;
    await python.url();
    stamps = await EngineStamps.start(() => python.url());
    const adminToken = randomBytes(24).toString('hex');
    const env = {
      ...process.env,
      // As the test suites do: production would ask for settings (CORS origins, ...) a benchmark has no use for.
      NODE_ENV: 'test',
      ENGINE_MODE: 'local',
      // The engine behind the proxy that marks what it gives (bench/cache-mix/engine-stamps.ts).
      LOCAL_ENGINE_URL: stamps.url,
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      CACHE_PREFIX: prefix,
      RESPONSE_CACHE: 'on',
      CACHE_TTL_PERSONA: String(PERSONA_TTL_SECONDS),
      // New each run, for the invalidation the run sends.
      ADMIN_TOKEN: adminToken,
      // One load generator stands for many clients: lift the anonymous (per-IP) budgets so it is not throttled.
      // The limiter still runs and still charges every request, as in production.
      RATE_LIMIT_POINTS_PER_MINUTE: '10000000',
      RATE_LIMIT_POINTS_PER_DAY: '100000000',
      // /metrics open on each instance's own port, whatever the shell says: the benchmark reads it.
      METRICS_TOKEN: '',
      METRICS_PORT: '',
    };
    instances.push(await startInstance(env, events, logged), await startInstance(env, events, logged));
    const urls = instances.map((i) => i.url);
    const { cache } = loadConfig(env);
    const memoryTtlMs = cache.memoryTtlSeconds * 1000;

    const params = [
      `Date: ${new Date().toISOString()}`,
      `Command: \`node --import tsx bench/cache-mix.ts --requests ${REQUESTS} --seed ${SEED} --concurrency ${CONCURRENCY} --warmup ${WARMUP_SHARE}\``,
      `Seed: ${SEED} (mulberry32). Requests: ${REQUESTS}, the first ${WARMUP} (${fmt(WARMUP_SHARE * 100, 0)}%) warm-up; ${CONCURRENCY} in flight`,
      `System: 2 server instances (createApp's handler on node:http, NODE_ENV=test), one picked at random per request, sharing one Redis ` +
        "through the local Upstash-compatible endpoint; one local Python engine behind the benchmark's marking proxy; " +
        `response cache on; memory tier ${cache.memoryTtlSeconds} s, persona TTL ${cache.ttlSeconds.persona} s, ` +
        `recommendation TTL ${cache.ttlSeconds.recommendation} s, other TTLs default; a new key prefix per run; ` +
        'rate limiting on, with the anonymous budgets lifted so the one load generator is not throttled; every request a ' +
        `JSON POST (no HTTP caching); Node ${process.version}, ${cpus().length} CPUs`,
      `Mix: ${REQUEST_TYPES.map(([t, w]) => `${t} ${fmt(w * 100, 0)}%`).join(', ')} (see bench/README.md)`,
      `Most popular boroughs (Zipf s=1 over the 33, order drawn from the seed): ${AREA_POPULARITY.slice(0, 5).join(', ')}, ...`,
    ];
    // Other work on the machine skews every time figure (not the counts): say how busy it was.
    const loadAtStart = loadavg()[0]!;
    process.stderr.write(`seed ${SEED}, ${REQUESTS} requests (${WARMUP} warm-up), ${CONCURRENCY} in flight, key prefix ${prefix}\n`);

    /** A good answer with its marks and its request log line's `responseCache`, for the checks. */
    const mark = (marks: Marks, at: { sentAt: number; answeredAt: number }, requestId: string, instance: number, label: string) => ({
      ...marks,
      sentAt: at.sentAt,
      answeredAt: at.answeredAt,
      responseCache: logged.get(requestId)?.responseCache,
      instance,
      label,
    });
    const probed: MarkedAnswer[] = [];
    const t0 = performance.now();
    const warm = await replay(instances, requests, 0, WARMUP, stop);
    const t1 = performance.now();
    // The measured phase in quarters, to show whether the hit ratios are still climbing at the end.
    const snapshots = [await scrapeAll(urls)];
    const measured: Outcome[] = [];
    let wallMs = 0;
    let invalidating: Promise<Invalidation> | undefined;
    const rest = REQUESTS - WARMUP;
    for (let q = 0; q < QUARTERS; q++) {
      const from = WARMUP + Math.floor((q * rest) / QUARTERS);
      const to = WARMUP + Math.floor(((q + 1) * rest) / QUARTERS);
      // In the middle of the measured phase, while the mix goes on.
      if (q === QUARTERS / 2) {
        invalidating = invalidateMidRun({
          urls: [urls[0]!, urls[1]!],
          adminToken,
          code: PROBED_AREA,
          memoryTtlMs,
          stamps,
          loggedOf: (id) => logged.get(id),
          onAnswer: (answer: Answered, requestId: string, instance: number) =>
            probed.push(mark(marksOf(answer.body.data), answer, requestId, instance, `CrimeProbe (${requestId})`)),
        });
      }
      const started = performance.now();
      measured.push(...(await replay(instances, requests, from, to, stop)));
      wallMs += performance.now() - started;
      snapshots.push(await scrapeAll(urls));
    }
    const totalMs = t1 - t0 + wallMs;
    const invalidation = await invalidating!;
    if (stop.now) throw new Error('interrupted');

    // The mix request sent first after the mutation was: from it on, every crime key is new again.
    const invalidatedAt =
      WARMUP +
      Math.max(
        0,
        measured.findIndex((o) => o.sentAt >= invalidation.sentAt),
      );
    const marked = [
      ...[...warm, ...measured].flatMap((o) => (o.marks ? [mark(o.marks, o, o.requestId, o.instance, `${o.type} (${o.requestId})`)] : [])),
      ...probed,
    ];
    const verdict = judgeInvalidation(invalidation, marked, memoryTtlMs);
    const personaTtlMs = cache.ttlSeconds.persona * 1000;
    const freshness = checkFreshness(marked, personaTtlMs, {
      engine: [...stamps.dataVersions],
      health: await Promise.all(instances.map(healthDataVersion)),
    });

    const warmErrors = warm.filter((o) => o.error).length;
    const errors = measured.filter((o) => o.error).length;
    params.push(
      `Errors during warm-up: ${warmErrors}`,
      `Load average (1 min) at the start and the end: ${fmt(loadAtStart, 2)} and ${fmt(loadavg()[0]!, 2)} ` +
        `(above ${cpus().length}, other work shared the machine: time figures are then slower and noisier, counts are not affected)`,
    );
    const seen = verdict.seenAfterS.map((s, i) => `instance ${i + 1} ${s === undefined ? 'never' : `after ${fmt(s, 2)} s`}`).join(', ');
    const verdicts = [
      `No errors (an answer not HTTP 200, without data, with errors, or marked stale): **${errors + warmErrors === 0 ? 'met' : 'not met'}** ` +
        `(${errors} in the measured phase, ${warmErrors} in warm-up)`,
      `\`invalidateCache(kind: CRIME)\` seen by both instances within CACHE_MEMORY_TTL_SECONDS (${cache.memoryTtlSeconds} s): ` +
        `**${verdict.ok ? 'met' : 'not met'}** (probes saw it on ${seen}; ${count(verdict.after[0].bad + verdict.after[1].bad, 'answer')} ` +
        `sent after the bound showed the old figures; see "Invalidation")`,
      `No answer served past its TTL: **${freshness.ok ? 'met' : 'not met'}** ` +
        `(${freshness.personas.answers} answers with personas, CACHE_TTL_PERSONA ${cache.ttlSeconds.persona} s; see "Freshness")`,
    ];
    const markdown = report({
      measured,
      counts: delta(snapshots[QUARTERS]!, snapshots[0]!),
      quarters: snapshots.slice(1).map((s, i) => delta(s, snapshots[i]!)),
      wallMs,
      totalMs,
      events,
      params,
      floor: compulsoryMisses(requests, invalidatedAt),
      distinct: distinctKeys(requests),
      verdicts,
      sections: [...invalidationReport(invalidation, verdict, memoryTtlMs, invalidatedAt), ...freshnessReport(freshness, personaTtlMs)],
    });
    process.stdout.write(`${markdown}\n`);
    if (!argv['no-write']) writeFileSync(OUT, markdown);
    if (errors > 0 || warmErrors > 0 || !verdict.ok || !freshness.ok) process.exitCode = 1;
  } finally {
    for (const { server } of instances) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    for (const { app } of instances) await app.close();
    await stamps?.close();
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
