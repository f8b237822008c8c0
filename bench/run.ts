/**
 * The benchmark of issue 8: the full server (every production plugin on) against a minimal node:http +
 * graphql-js server over the same data, plus cold/warm recommendations, @defer explanations, engine calls per
 * request and a ramped load run. Prints a markdown report and writes it to bench/RESULTS.md. See bench/README.md.
 *
 *   node --import tsx bench/run.ts [--quick] [--full-load] [--duration 5] [--rounds 3] [--cold 200] [--explain 5] [--no-write]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import * as docs from './lib/documents.ts';
import { load, rampedLoad, stopLoad, type LoadResult } from './lib/load.ts';
import { mixFor, MIX } from './lib/mix.ts';
import { deferTiming, firstDifference, gql, JSON_ACCEPT, problem, timedEach, type DeferTiming } from './lib/probes.ts';
import { installCleanup, killAll, rssKb } from './lib/processes.ts';
import {
  API_KEY, API_KEY_TIER, assertAlive, callsBetween, chargedPoints, enginePidOf, engineCalls, removeLogs, ROOT,
  startFullServer, startMinimalServer, type ServerHandle,
} from './lib/servers.ts';
import { fmt, fmtInt, latency, mb, median, medianBy, pct, table } from './lib/stats.ts';

// ---------------------------------------------------------------------------------------------------------
// Parameters

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'full-load': { type: 'boolean', default: false },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    cold: { type: 'string' },
    explain: { type: 'string' },
    seed: { type: 'string', default: '20240601' },
    'no-write': { type: 'boolean', default: false },
  },
});
const QUICK = argv.quick;
const P = {
  /** Seconds of each measured autocannon run, and of the warm-up run before a scenario's first. */
  duration: positive('duration', argv.duration ?? (QUICK ? '1' : '5')),
  warmup: QUICK ? 0.5 : 1,
  rounds: positive('rounds', argv.rounds ?? (QUICK ? '1' : '3')),
  cold: positive('cold', argv.cold ?? (QUICK ? '30' : '200')),
  explain: positive('explain', argv.explain ?? (QUICK ? '2' : '5')),
  seed: positive('seed', argv.seed),
  // The seed's k6 plan is 1 min up, 3 min at 50, 1 min down; scaled down unless --full-load.
  load: argv['full-load'] ? { up: 60, hold: 180, down: 60 } : QUICK ? { up: 5, hold: 10, down: 3 } : { up: 20, hold: 40, down: 10 },
  peak: 50,
};
const WRITE = !argv['no-write'] && !QUICK;
const OUT = new URL('RESULTS.md', import.meta.url);
const COMMAND = `node --import tsx bench/run.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!(n > 0) || !Number.isFinite(n)) {
    process.stderr.write(`--${name} must be a positive number\n`);
    process.exit(2);
  }
  return n;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);
const AUTH = { 'x-api-key': API_KEY };
const GQL_HEADERS = { 'content-type': 'application/json', accept: JSON_ACCEPT, ...AUTH };

// ---------------------------------------------------------------------------------------------------------
// Scenarios a-e: autocannon runs, full and minimal alternating

interface Scenario {
  id: string;
  name: string;
  connections: number;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Only the full server serves it. */
  fullOnly?: string;
}

const SCENARIOS: Scenario[] = [
  { id: 'a', name: 'warm dashboard (33 areas, 17 fields)', connections: 10, method: 'POST', path: '/graphql', body: docs.body(docs.DASHBOARD) },
  { id: 'b', name: 'warm single area', connections: 5, method: 'POST', path: '/graphql', body: docs.body(docs.AREA, { code: docs.CAMDEN }) },
  { id: 'b', name: 'warm single area', connections: 20, method: 'POST', path: '/graphql', body: docs.body(docs.AREA, { code: docs.CAMDEN }) },
  { id: 'c', name: 'personas', connections: 5, method: 'POST', path: '/graphql', body: docs.body(docs.PERSONAS) },
  { id: 'c', name: 'personas', connections: 20, method: 'POST', path: '/graphql', body: docs.body(docs.PERSONAS) },
  {
    id: 'd', name: 'cached recommendation (10 of 33, with commute)', connections: 10, method: 'POST', path: '/graphql',
    body: docs.body(docs.RECOMMEND, { input: docs.CACHED_QUESTION }), fullOnly: 'the minimal server has no engine path',
  },
  { id: 'e', name: 'GET /health', connections: 10, method: 'GET', path: '/health', fullOnly: 'probe of the full server' },
  { id: 'e', name: 'GET /ready', connections: 10, method: 'GET', path: '/ready', fullOnly: 'probe of the full server' },
];

type Runs = Map<Scenario, { full: LoadResult[]; minimal: LoadResult[] }>;

async function run(server: ServerHandle, s: Scenario, seconds: number): Promise<LoadResult> {
  assertAlive(server);
  const result = await load({
    url: `${server.url}${s.path}`,
    connections: s.connections,
    seconds,
    method: s.method,
    headers: s.method === 'POST' ? GQL_HEADERS : AUTH,
    body: s.body,
    graphql: s.method === 'POST',
  });
  assertAlive(server);
  return result;
}

async function compare(full: ServerHandle, minimal: ServerHandle): Promise<Runs> {
  const runs: Runs = new Map(SCENARIOS.map((s) => [s, { full: [], minimal: [] }]));
  progress(`warm-up: ${P.warmup} s per scenario and server`);
  for (const s of SCENARIOS) {
    await run(full, s, P.warmup);
    if (!s.fullOnly) await run(minimal, s, P.warmup);
  }
  for (let round = 1; round <= P.rounds; round++) {
    for (const s of SCENARIOS) {
      // Alternate which server goes first, so drift over the run (heat, other load) favours neither.
      const order = s.fullOnly ? (['full'] as const) : round % 2 === 1 ? (['full', 'minimal'] as const) : (['minimal', 'full'] as const);
      for (const which of order) {
        const result = await run(which === 'full' ? full : minimal, s, P.duration);
        runs.get(s)![which].push(result);
        progress(`round ${round}/${P.rounds} ${s.id} ${s.name} c=${s.connections} ${which}: ${fmtInt(result.rps)} req/s, p99 ${fmt(result.latency.p99, 2)} ms`);
      }
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------------------
// f, g: recommendation latency, cold and warm; explanations through @defer

async function recommendationLatency(full: ServerHandle) {
  const inputs = docs.freshQuestions(P.cold, 0).map((input) => ({ input }));
  progress(`f: ${inputs.length} first-time recommendation questions, one at a time, then the same again`);
  // Results per answer, to show the questions are not trivially empty.
  const results: number[] = [];
  const count = (a: { json: { data?: unknown } }) => {
    const data = a.json.data as { recommendations?: { results?: unknown[] } } | undefined;
    if (data?.recommendations?.results) results.push(data.recommendations.results.length);
  };
  const cold = await timedEach(full.url, AUTH, docs.RECOMMEND, inputs, 1, count);
  const warm = await timedEach(full.url, AUTH, docs.RECOMMEND, inputs, 1);
  return {
    cold: { ...latency(cold.times), failures: cold.failures },
    warm: { ...latency(warm.times), failures: warm.failures },
    results: { min: Math.min(...results), mean: results.reduce((s, n) => s + n, 0) / results.length },
  };
}

async function explanationTimes(full: ServerHandle): Promise<DeferTiming[]> {
  progress(`g: ${P.explain} recommendation queries with @defer explanations`);
  const out: DeferTiming[] = [];
  // Questions of their own (salted budgets), so every explanation job is new.
  for (const question of docs.freshQuestions(P.explain, 3)) {
    out.push(await deferTiming(full.url, AUTH, docs.RECOMMEND_EXPLAINED, { input: question }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// h: engine calls per request, each on a server started for it (the in-process cache starts empty)

const ENGINE_QUERIES: { name: string; query: string; variables?: Record<string, unknown>; concurrent: number }[] = [
  { name: 'dashboard (33 areas: housing, safety, schools)', query: docs.DASHBOARD, concurrent: 1 },
  { name: 'single area with safety + schools', query: docs.AREA, variables: { code: docs.CAMDEN }, concurrent: 1 },
  { name: 'recommendation with commute (Recommend)', query: docs.RECOMMEND, variables: { input: docs.CACHED_QUESTION }, concurrent: 1 },
  { name: '33-area commute to one station', query: docs.AREAS_COMMUTE, variables: { to: docs.KINGS_CROSS }, concurrent: 1 },
  { name: '50 concurrent identical dashboards', query: docs.DASHBOARD, concurrent: 50 },
  { name: '50 concurrent identical recommendations', query: docs.RECOMMEND, variables: { input: docs.CACHED_QUESTION }, concurrent: 50 },
];

interface EngineCount {
  name: string;
  cold: Record<string, number>;
  warm: Record<string, number>;
  failures: string[];
}

async function engineCallCounts(): Promise<EngineCount[]> {
  progress(`h: engine calls, ${ENGINE_QUERIES.length} fresh servers`);
  // In parallel: only counts are read here, not times.
  return Promise.all(
    ENGINE_QUERIES.map(async (q, i) => {
      const server = await startFullServer(`cold${i}`);
      try {
        const ask = async () => {
          const answers = await Promise.all(Array.from({ length: q.concurrent }, () => gql(server.url, AUTH, q.query, q.variables)));
          return answers.map(problem).filter((p): p is string => Boolean(p));
        };
        const before = await engineCalls(server.url);
        const failures = await ask();
        const middle = await engineCalls(server.url);
        failures.push(...(await ask()));
        const after = await engineCalls(server.url);
        return { name: q.name, cold: callsBetween(before, middle), warm: callsBetween(middle, after), failures };
      } finally {
        await server.stop();
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// i: the ramped load run, with the RSS of the server's process tree sampled every 500 ms

interface RssPeak {
  node: number;
  tree: number;
  samples: number;
  /** node + python at the last sample. */
  lastTree: number;
}

function sampleRss(serverPid: number): { stop(): RssPeak } {
  const peak: RssPeak = { node: 0, tree: 0, samples: 0, lastTree: NaN };
  let enginePid = enginePidOf(serverPid);
  const take = () => {
    const node = rssKb(serverPid);
    if (enginePid === undefined || Number.isNaN(rssKb(enginePid))) enginePid = enginePidOf(serverPid); // restarted
    const python = enginePid === undefined ? 0 : rssKb(enginePid) || 0;
    if (Number.isNaN(node)) return;
    peak.node = Math.max(peak.node, node);
    peak.tree = Math.max(peak.tree, node + python);
    peak.lastTree = node + python;
    peak.samples++;
  };
  take();
  const timer = setInterval(take, 500);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

async function loadRun(full: ServerHandle) {
  const { up, hold, down } = P.load;
  progress(`i: load run, ramp to ${P.peak} clients over ${up} s, hold ${hold} s, down over ${down} s`);
  const pointsBefore = await chargedPoints(full.url);
  const rss = sampleRss(full.pid);
  let clients = 0;
  const started = Date.now();
  const ticker = setInterval(() => progress(`  ${fmt((Date.now() - started) / 1000, 0)} s: ${clients} clients`), 10_000);
  const result = await rampedLoad({
    url: full.url,
    peak: P.peak,
    rampUpS: up,
    holdS: hold,
    rampDownS: down,
    headers: GQL_HEADERS,
    // 400 requests per client, each client its own seeded draw; a client cycles through its list.
    requestsFor: (client) => mixFor(P.seed + client, 400),
    onProgress: (n) => (clients = n),
  }).finally(() => clearInterval(ticker));
  const peak = rss.stop();
  const pointsAfter = await chargedPoints(full.url);
  const points = { sum: pointsAfter.sum - pointsBefore.sum, count: pointsAfter.count - pointsBefore.count };
  return { result, rss: peak, points };
}

// ---------------------------------------------------------------------------------------------------------
// Report

const LOAD_BEFORE = loadavg();
/** The code under test is what the servers loaded when they started: note its state then, and whether it moved. */
const CODE_BEFORE = codeState();

function codeState(): string {
  const commit = tryRun('git', ['rev-parse', '--short', 'HEAD']);
  // Only the files the servers run (bench/RESULTS.md, which this run rewrites, is not one of them); a digest
  // of the uncommitted diff tells two runs of different work in progress apart.
  const diff = tryRun('git', ['diff', 'HEAD', '--', 'src', 'python', 'package.json', 'bench/minimal-server.ts']);
  const digest = createHash('sha1').update(diff).digest('hex').slice(0, 8);
  return commit ? `commit ${commit}${diff ? ` with uncommitted changes (diff ${digest})` : ''}` : '';
}

function machine(): string[] {
  const python = tryRun(process.env.PYTHON ?? 'python3', ['--version']);
  const after = codeState();
  return [
    `Machine: ${availableParallelism()} CPUs (nproc), ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 0)} GB RAM; ` +
      `Node ${process.version}; ${python || 'python3 ?'}; load average (1, 5, 15 min) before the run ${LOAD_BEFORE.map((l) => l.toFixed(2)).join(' ')}, ` +
      `after ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine during the run skews the figures)`,
    ...(CODE_BEFORE ? [`Code: ${CODE_BEFORE} at the start${after !== CODE_BEFORE ? ` (**${after} by the end**: the servers of part h started later)` : ''}`] : []),
  ];
}

function tryRun(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 2 ** 20 }).trim();
  } catch {
    return '';
  }
}

type Verdict = { target: string; figure: string; met: boolean | undefined };
const mark = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? '**met**' : '**not met**');
const ms = (n: number) => fmt(n, 2);
/** How many answers had this HTTP status, e.g. 429. */
const statusCount = (r: LoadResult, code: string) => r.status[code] ?? 0;

interface Report {
  started: Date;
  seconds: number;
  sameData: { name: string; difference?: string; problem?: string }[];
  runs: Runs;
  recommend: Awaited<ReturnType<typeof recommendationLatency>>;
  explanations: DeferTiming[];
  engine: EngineCount[];
  loadRun: Awaited<ReturnType<typeof loadRun>>;
  /** The full server's RSS once ready, just before the load run, and the peak over the whole run. */
  rss: { started: RssPeak; beforeLoad: RssPeak; wholeRun: RssPeak };
}

function render(r: Report): string {
  const verdicts: Verdict[] = [];
  const medianRun = (list: LoadResult[]) => (list.length ? medianBy(list, (x) => x.rps) : undefined);

  // a-e
  const rows: (string | number)[][] = [];
  let otherErrors = 0;
  let throttled = 0;
  for (const [s, { full, minimal }] of r.runs) {
    const f = medianRun(full)!;
    const m = medianRun(minimal);
    for (const x of [...full, ...minimal]) {
      throttled += statusCount(x, '429');
      otherErrors += x.errors + x.non2xx - statusCount(x, '429');
    }
    const ratio = m ? f.rps / m.rps : NaN;
    // Each round measured the two back to back: their ratio per round shows how much the figure moves.
    const perRound = minimal.length ? full.map((x, i) => x.rps / minimal[i]!.rps) : [];
    const spread = perRound.length > 1 ? ` (per round ${perRound.map((x) => fmt(x, 2)).join(' / ')}, median ${fmt(median(perRound), 2)})` : '';
    const line = (server: string, x: LoadResult, runs: LoadResult[], ratioText: string) => [
      `${s.id}. ${s.name}`, server, s.connections, fmtInt(x.rps), ms(x.latency.p50), ms(x.latency.p95), ms(x.latency.p99),
      x.errors, x.non2xx, ratioText, runs.map((y) => fmtInt(y.rps)).join(' / '),
    ];
    rows.push(line('full', f, full, m ? `**${fmt(ratio, 2)}x**${spread}` : `- (${s.fullOnly})`));
    if (m) rows.push(line('minimal', m, minimal, ''));
    if (s.id === 'a') verdicts.push({ target: 'warm dashboard, full/minimal req/s >= 1.0x', figure: `${fmt(ratio, 2)}x${spread}`, met: ratio >= 1 });
    if ((s.id === 'b' || s.id === 'c') && s.connections === 5) {
      verdicts.push({ target: `${s.name}, p99 < 10 ms at 5 connections`, figure: `${ms(f.latency.p99)} ms`, met: f.latency.p99 < 10 });
    }
    if ((s.id === 'b' || s.id === 'c') && s.connections === 20) {
      verdicts.push({ target: `${s.name}, p99 at 20 connections (reported)`, figure: `${ms(f.latency.p99)} ms`, met: undefined });
    }
  }

  // f
  const { cold, warm, results } = r.recommend;
  verdicts.push({ target: 'cold recommendation p95 < 300 ms', figure: `${ms(cold.p95)} ms`, met: cold.p95 < 300 && cold.failures.length === 0 });

  // g
  const last = r.explanations.map((e) => e.lastMs);
  const allReady = r.explanations.every((e) => e.ready === e.total && e.total > 0);

  // h
  const sum = (c: Record<string, number>) => Object.values(c).reduce((s, n) => s + n, 0);
  const list = (c: Record<string, number>) => Object.entries(c).map(([e, n]) => `${e} ${n}`).join(', ') || 'none';
  const engineFailures = r.engine.reduce((s, e) => s + e.failures.length, 0);

  // i
  const lr = r.loadRun.result;
  const pts = r.loadRun.points;
  const l429 = statusCount(lr, '429');
  const lOther = lr.errors + lr.non2xx - l429;
  verdicts.push({ target: 'peak RSS in the load run < 250 MB (node + python)', figure: mb(r.loadRun.rss.tree), met: r.loadRun.rss.tree < 250 * 1024 });
  const fOther = cold.failures.length + warm.failures.length + engineFailures;
  verdicts.push({
    target: 'no errors other than intended 429s (every part of the run)',
    figure: `${otherErrors + lOther + fOther} errors, ${throttled + l429} x 429`,
    met: otherErrors + lOther + fOther === 0,
  });

  const p = P.load;
  return [
    '# veo-bff benchmark',
    '',
    `- Date: ${r.started.toISOString()} (run took ${fmt(r.seconds / 60, 1)} min)`,
    `- Command: \`${COMMAND}\` (\`npm run bench\`${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''})`,
    ...machine().map((m) => `- ${m}`),
    `- Parameters: ${fmt(P.duration, 1)} s per measured run after one ${P.warmup} s warm-up run per scenario and server; ${P.rounds} round(s), ` +
      `full and minimal alternating (which goes first swaps every round); load generator: autocannon 9 in the benchmark process, ` +
      'closed loop (each connection sends its next request when the last is answered), on 127.0.0.1, on the same CPUs as the servers.',
    `- Full server: \`node --import tsx src/server.ts\`, NODE_ENV=production, CORS_ORIGINS=http://localhost:3000, in-process cache ` +
      '(no Upstash), in-process rate limits and query cost, request log as JSON lines on stdout (to a file), /metrics, the embedded Python ' +
      'engine as its child; Sentry and Axiom unset (they need outside services).',
    `- **Every request carries \`x-api-key\` of a key in a tier defined for the benchmark, \`${API_KEY_TIER.name}\`** ` +
      `(${fmtInt(API_KEY_TIER.perMinute)} points a minute, ${fmtInt(API_KEY_TIER.perDay)} a day, \`RATE_LIMIT_TIERS\`), so the single ` +
      'load generator is not throttled; the limiter still prices and charges every request. (The built-in `internal` tier, ' +
      '1,000,000 points a minute, would be spent by the load run: see there.)',
    '- Minimal server: `bench/minimal-server.ts`, node:http + graphql-js `buildSchema`, a parse-and-validate cache keyed by query text, ' +
      'the data fetched once from its own engine at start and held in memory; no plugins, no logging, no limits.',
    `- Same \`data\` from both servers: ${r.sameData.map((d) => `${d.name} ${d.problem ? `**failed (${d.problem})**` : d.difference ? `**differs (${d.difference})**` : 'identical'}`).join('; ')}` +
      ' (`extensions` differ, as expected: cost and rate-limit state).',
    '',
    '## Targets (issue 8)',
    '',
    table(['target', 'figure', 'verdict'], verdicts.map((v) => [v.target, v.figure, mark(v.met)]), ['l', 'r', 'l']),
    '',
    `## Throughput and latency (a-e), the median of ${P.rounds} run(s)`,
    '',
    `Each row is the run with the median req/s among the server's ${P.rounds} runs of that scenario (its latencies are that run's, not`,
    'medians of each figure); the last column lists every run in order. Latency: autocannon, request written to answer read, every',
    'answer. "errors": connection errors, timeouts and 200 answers holding GraphQL `errors`. full/minimal: the req/s ratio of the',
    'median runs (the verdict uses it), then the ratio within each round, where the two ran back to back.',
    '',
    table(
      ['scenario', 'server', 'conns', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'non-2xx', 'full/minimal', 'req/s of each run'],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    '## Recommendations, cold and warm (f)',
    '',
    `${cold.n} recommendation questions (\`Recommend\`, limit 10, three personas, renting and buying, 3 in 4 with a commute ` +
      'destination) that nothing else in the run asks, sent one at a time: cold is each first time (the engine ranks), warm the ' +
      `same questions again (the cache answers); ${fmt(results.mean, 1)} results per answer (min ${results.min}). ` +
      'Latency measured by the client (fetch), send to parsed answer.',
    '',
    table(
      ['', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'failures'],
      [
        ['cold', cold.n, ms(cold.p50), ms(cold.p95), ms(cold.p99), ms(cold.max), failures(cold.failures)],
        ['warm', warm.n, ms(warm.p50), ms(warm.p95), ms(warm.p99), ms(warm.max), failures(warm.failures)],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    '## Explanations through @defer (g)',
    '',
    `${r.explanations.length} \`RecommendWithExplanations\` queries (limit 10, each a new question, so 10 new explanation jobs each), ` +
      '`accept: multipart/mixed`: time to the first bytes (the ranked list) and to the end of the stream (the last explanation sent). ' +
      `All READY: ${allReady ? 'yes' : '**no**'}. Time to all READY: median **${ms(median(last))} ms**, max ${ms(Math.max(...last))} ms.`,
    '',
    table(
      ['query', 'first part ms', 'last part ms', 'parts', 'READY / explanations'],
      r.explanations.map((e, i) => [i + 1, ms(e.firstMs), ms(e.lastMs), e.parts, `${e.ready} / ${e.total}`]),
      ['r', 'r', 'r', 'r', 'r'],
    ),
    '',
    '## Engine calls per request (h)',
    '',
    'Each line on a full server started for it (empty in-process cache), counted from its `/metrics` ' +
      '(`veo_engine_requests_total{endpoint}`) before and after; then the same again on the now warm server.',
    '',
    table(
      ['query', 'cold: engine calls', 'by endpoint', 'again, warm', 'failures'],
      r.engine.map((e) => [e.name, sum(e.cold), list(e.cold), sum(e.warm), failures(e.failures)]),
      ['l', 'r', 'l', 'r', 'l'],
    ),
    '',
    '## Load run (i)',
    '',
    `In the spirit of the seed's k6 plan (ramp to ${P.peak} users, hold, ramp down): ${P.peak} closed-loop clients join one by one over ` +
      `${p.up} s, all run for ${p.hold} s, and leave one by one over ${p.down} s (the seed: 60 / 180 / 60 s, \`--full-load\`). ` +
      "Unlike the seed's users, these clients do not pause between requests, so the server is saturated. Mix (seeded, " +
      `${P.seed}): ${MIX.map(([n, s]) => `${n} ${fmt(s * 100, 0)}%`).join(', ')}; 5% of recommendation budgets are new questions. ` +
      'Latency over every answer (429s included, had there been any). ' +
      `RSS sampled every 500 ms from /proc (VmRSS) of the server's node process and its Python engine child (${r.loadRun.rss.samples} samples); ` +
      `node / node + python: ${mb(r.rss.started.node)} / ${mb(r.rss.started.tree)} once ready (before any load), ` +
      `${mb(r.rss.beforeLoad.node)} / ${mb(r.rss.beforeLoad.tree)} just before the load run, node + python ${mb(r.loadRun.rss.lastTree)} ` +
      'when its last client had left, ' +
      `peak over the whole benchmark ${mb(r.rss.wholeRun.node)} / ${mb(r.rss.wholeRun.tree)}.`,
    '',
    table(
      ['requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors (not 429)', '429', 'error rate', 'peak RSS node', 'peak RSS node + python'],
      [[
        fmtInt(lr.requests), fmtInt(lr.rps), ms(lr.latency.p50), ms(lr.latency.p95), ms(lr.latency.p99), lOther, l429,
        pct(lOther, lr.requests), mb(r.loadRun.rss.node), mb(r.loadRun.rss.tree),
      ]],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Status codes in the load run: ${Object.entries(lr.status).map(([c, n]) => `${c} x ${fmtInt(n)}`).join(', ')}. ` +
      `Points charged: ${fmtInt(pts.sum)} for ${fmtInt(pts.count)} priced operations, ${fmt(pts.sum / pts.count, 1)} a request, ` +
      `${fmtInt((pts.sum / lr.seconds) * 60)} a minute on average: the built-in \`internal\` tier (1,000,000 a minute) would last ` +
      `${fmt(1_000_000 / (pts.sum / lr.seconds), 0)} s at that rate. ` +
      `The seed's thresholds: p95 < 2,000 ms (${lr.latency.p95 < 2000 ? 'met' : 'not met'}), errors < 1% (${lOther / lr.requests < 0.01 ? 'met' : 'not met'}).`,
    '',
  ].join('\n');
}

function failures(list: string[]): string {
  if (list.length === 0) return '0';
  const counts = new Map<string, number>();
  for (const f of list) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].map(([f, n]) => `${n} x ${f}`).join('; ');
}

// ---------------------------------------------------------------------------------------------------------

async function sameData(full: ServerHandle, minimal: ServerHandle) {
  const checks = [
    { name: 'dashboard', query: docs.DASHBOARD },
    { name: 'single area', query: docs.AREA, variables: { code: docs.CAMDEN } },
    { name: 'personas', query: docs.PERSONAS },
  ];
  return Promise.all(
    checks.map(async (c) => {
      const [a, b] = await Promise.all([gql(full.url, AUTH, c.query, c.variables), gql(minimal.url, AUTH, c.query, c.variables)]);
      const failed = problem(a) ?? problem(b);
      return { name: c.name, problem: failed, difference: failed ? undefined : firstDifference(a.json.data, b.json.data) };
    }),
  );
}

async function main() {
  const started = new Date();
  const servers: ServerHandle[] = [];
  const stopAll = async () => {
    stopLoad();
    await Promise.all(servers.map((s) => s.stop()));
  };
  installCleanup(async () => {
    await stopAll();
    removeLogs();
  });
  try {
    progress(`starting the full and the minimal server (${QUICK ? 'quick smoke run' : 'full run'})`);
    const [full, minimal] = await Promise.all([startFullServer(), startMinimalServer()]);
    servers.push(full, minimal);
    const same = await sameData(full, minimal);
    for (const d of same) progress(`same data, ${d.name}: ${d.problem ?? d.difference ?? 'identical'}`);
    // Scenario d measures a cached answer: ask it once first.
    const first = await gql(full.url, AUTH, docs.RECOMMEND, { input: docs.CACHED_QUESTION });
    if (problem(first)) throw new Error(`the cached recommendation failed: ${problem(first)}`);

    const startedRss = sampleRss(full.pid).stop();
    const wholeRun = sampleRss(full.pid);
    const runs = await compare(full, minimal);
    const recommend = await recommendationLatency(full);
    const explanations = await explanationTimes(full);
    assertAlive(full);
    await minimal.stop(); // idle from here on; the load run has the CPUs to itself
    const beforeLoad = sampleRss(full.pid).stop();
    const loadResult = await loadRun(full);
    assertAlive(full);
    const whole = wholeRun.stop();
    // Two samplers tick at different instants: the whole run's peak includes the load run's.
    const wholeRunRss = { ...whole, node: Math.max(whole.node, loadResult.rss.node), tree: Math.max(whole.tree, loadResult.rss.tree) };
    await full.stop();
    servers.length = 0;
    const engine = await engineCallCounts();

    const markdown = render({
      started,
      seconds: (Date.now() - started.getTime()) / 1000,
      sameData: same,
      runs,
      recommend,
      explanations,
      engine,
      loadRun: loadResult,
      rss: { started: startedRss, beforeLoad, wholeRun: wholeRunRss },
    });
    process.stdout.write(`\n${markdown}\n`);
    if (WRITE) {
      writeFileSync(OUT, markdown);
      progress('written to bench/RESULTS.md');
    } else {
      progress(QUICK ? '--quick: not written to bench/RESULTS.md' : '--no-write: not written');
    }
    if (same.some((d) => d.problem || d.difference)) process.exitCode = 1;
    removeLogs();
  } finally {
    await stopAll();
    killAll();
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.stderr.write(`the servers' output is kept in ${tmpdir()}/veo-bench-*.log\n`);
  process.exitCode = 1;
});
