/**
 * The benchmark: the full server (every production plugin on) side by side with the same server without its
 * response cache, bench/minimal-server.ts, a strict minimal (graphql-js over node:http from prepared data) and
 * stock Yoga with its response cache, all over the same data; then cold/warm recommendations, @defer
 * explanations, engine calls per request and a ramped load run against the full server. Prints a markdown
 * report and writes it to bench/RESULTS.md. See bench/README.md.
 *
 *   node --import tsx bench/run.ts [--quick] [--full-load] [--duration 4] [--rounds 3] [--cold 200] [--explain 5] [--no-write]
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import type { Runs, Scenario } from './lib/comparison.ts';
import * as docs from './lib/documents.ts';
import { type LoadResult, load, rampedLoad, stopLoad } from './lib/load.ts';
import { mixFor } from './lib/mix.ts';
import { type DeferTiming, deferTiming, firstDifference, gql, JSON_ACCEPT, problem, timedEach } from './lib/probes.ts';
import { installCleanup, killAll, rssKb } from './lib/processes.ts';
import { type EngineCount, type RssPeak, render, type SameData } from './lib/report.ts';
import {
  API_KEY,
  assertAlive,
  callsBetween,
  chargedPoints,
  engineCalls,
  enginePidOf,
  removeLogs,
  SERVERS,
  type ServerHandle,
  type ServerKey,
  startFullServer,
} from './lib/servers.ts';
import { fmt, fmtInt, latency } from './lib/stats.ts';
import { wireBytes } from './lib/wire.ts';

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
  /** Seconds of each measured autocannon run. */
  duration: positive('duration', argv.duration ?? (QUICK ? '1' : '4')),
  /** Seconds of each warm-up run. */
  warmup: QUICK ? 0.5 : 1,
  /**
   * Warm-up runs go on until a server has answered this many requests of the document (at most `warmupRuns`):
   * V8 optimises code after so many calls, not after so many seconds, and a slow server gets few calls a
   * second: in one measurement the full server without its response cache went on speeding up for its first
   * 10,000 dashboards (500 to 1,300 req/s), the strict minimal for its first 2,500. The measured rounds warm
   * it further; more warm-up would not fit the run's time.
   */
  warmupRequests: QUICK ? 500 : 3_000,
  warmupRuns: 6,
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
const ARGS = process.argv.slice(2);
const COMMAND = `node --import tsx bench/run.ts${ARGS.length ? ` ${ARGS.join(' ')}` : ''}`;

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
// Scenarios a-e: autocannon runs; a-c on every server, the order rotated every round

const SCENARIOS: Scenario[] = [
  {
    id: 'a',
    name: 'warm dashboard (33 areas, 17 fields)',
    connections: 10,
    method: 'POST',
    path: '/graphql',
    body: docs.body(docs.DASHBOARD),
  },
  {
    id: 'b',
    name: 'warm single area',
    connections: 5,
    method: 'POST',
    path: '/graphql',
    body: docs.body(docs.AREA, { code: docs.CAMDEN }),
  },
  {
    id: 'b',
    name: 'warm single area',
    connections: 20,
    method: 'POST',
    path: '/graphql',
    body: docs.body(docs.AREA, { code: docs.CAMDEN }),
  },
  { id: 'c', name: 'personas', connections: 5, method: 'POST', path: '/graphql', body: docs.body(docs.PERSONAS) },
  { id: 'c', name: 'personas', connections: 20, method: 'POST', path: '/graphql', body: docs.body(docs.PERSONAS) },
  {
    id: 'd',
    name: 'cached recommendation (10 of 33, with commute)',
    connections: 10,
    method: 'POST',
    path: '/graphql',
    body: docs.body(docs.RECOMMEND, { input: docs.CACHED_QUESTION }),
    fullOnly: 'the other servers have no engine path',
  },
  { id: 'e', name: 'GET /health', connections: 10, method: 'GET', path: '/health', fullOnly: 'probe of the full server' },
  { id: 'e', name: 'GET /ready', connections: 10, method: 'GET', path: '/ready', fullOnly: 'probe of the full server' },
];

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

type Servers = Record<ServerKey, ServerHandle>;

/**
 * The servers a scenario runs on in a round: round r (from 1) starts with the r-th and goes on in SERVERS
 * order, so drift over a scenario favours none; a full-only scenario, the full server.
 */
function orderFor(scenario: Scenario, round: number): ServerKey[] {
  if (scenario.fullOnly) return ['full'];
  const keys = SERVERS.map((s) => s.key);
  const start = (round - 1) % keys.length;
  return [...keys.slice(start), ...keys.slice(0, start)];
}

async function compare(servers: Servers): Promise<Runs> {
  const runs: Runs = new Map(SCENARIOS.map((s) => [s, Object.fromEntries(orderFor(s, 1).map((key) => [key, []]))]));
  // One warm-up per request and server (the same document at 5 and 20 connections is warmed once): the JIT,
  // the parse caches and the response caches all key on the document.
  progress(
    `warm-up: ${P.warmup} s runs per request and server until it has answered ${fmtInt(P.warmupRequests)} (at most ${P.warmupRuns} runs)`,
  );
  const warmed = new Set<string>();
  for (const s of SCENARIOS) {
    for (const key of orderFor(s, 1)) {
      const id = `${key} ${s.method} ${s.path} ${s.body ?? ''}`;
      if (warmed.has(id)) continue;
      warmed.add(id);
      let answered = 0;
      for (let n = 0; n < P.warmupRuns && answered < P.warmupRequests; n++) answered += (await run(servers[key], s, P.warmup)).requests;
    }
  }
  for (let round = 1; round <= P.rounds; round++) {
    for (const s of SCENARIOS) {
      for (const key of orderFor(s, round)) {
        const result = await run(servers[key], s, P.duration);
        runs.get(s)![key]!.push(result);
        progress(
          `round ${round}/${P.rounds} ${s.id} ${s.name} c=${s.connections} ${key}: ${fmtInt(result.rps)} req/s, p99 ${fmt(result.latency.p99, 2)} ms`,
        );
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
  // Unref'd: a run that fails midway must still exit.
  const timer = setInterval(take, 500).unref();
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

/** Each shared document asked of every server: the `data` of each must be the full server's. */
async function sameData(servers: Servers): Promise<SameData[]> {
  const checks = [
    { name: 'dashboard', query: docs.DASHBOARD },
    { name: 'single area', query: docs.AREA, variables: { code: docs.CAMDEN } },
    { name: 'personas', query: docs.PERSONAS },
  ];
  return Promise.all(
    checks.map(async (c) => {
      // SERVERS starts with the full server: the reference.
      const [reference, ...others] = await Promise.all(SERVERS.map((s) => gql(servers[s.key].url, AUTH, c.query, c.variables)));
      const against = others.map((answer, i) => {
        const failed = problem(reference!) ?? problem(answer);
        const difference = failed ? undefined : firstDifference(reference!.json.data, answer.json.data);
        return { key: SERVERS[i + 1]!.key, problem: failed, difference };
      });
      return { name: c.name, servers: against };
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
    progress(`starting ${SERVERS.map((s) => s.label).join(', ')} (${QUICK ? 'quick smoke run' : 'full run'})`);
    const byKey = Object.fromEntries(
      await Promise.all(
        SERVERS.map(async (s) => {
          const handle = await s.start();
          servers.push(handle);
          return [s.key, handle] as const;
        }),
      ),
    ) as Servers;
    const full = byKey.full;
    const same = await sameData(byKey);
    for (const d of same) {
      for (const x of d.servers) progress(`same data, ${d.name}, ${x.key}: ${x.problem ?? x.difference ?? 'identical'}`);
    }
    // Scenario d measures a cached answer: ask it once first.
    const first = await gql(full.url, AUTH, docs.RECOMMEND, { input: docs.CACHED_QUESTION });
    if (problem(first)) throw new Error(`the cached recommendation failed: ${problem(first)}`);

    const startedRss = sampleRss(full.pid).stop();
    const wholeRun = sampleRss(full.pid);
    const runs = await compare(byKey);
    const recommend = await recommendationLatency(full);
    const explanations = await explanationTimes(full);
    progress('j: bytes on the wire');
    const wire = await wireBytes(full.url, AUTH, P.duration);
    assertAlive(full);
    // The others are idle from here on: the load run has the CPUs to itself.
    await Promise.all(SERVERS.filter((s) => s.key !== 'full').map((s) => byKey[s.key].stop()));
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
      params: { ...P, command: COMMAND, args: ARGS },
      started,
      seconds: (Date.now() - started.getTime()) / 1000,
      sameData: same,
      runs,
      recommend,
      explanations,
      wire,
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
    if (same.some((d) => d.servers.some((x) => x.problem || x.difference))) process.exitCode = 1;
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
