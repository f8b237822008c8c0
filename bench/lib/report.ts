// The markdown report of bench/run.ts: parameters and machine facts, the issues' targets with a verdict each,
// and one section per part of the run (a-i; a-e come from comparison.ts).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { startFlags } from '../../scripts/start-flags.ts';
import { comparison, mark, ms, type Runs, statusCount, type Verdict } from './comparison.ts';
import type { LoadResult } from './load.ts';
import { MIX } from './mix.ts';
import type { DeferTiming } from './probes.ts';
import { API_KEY_TIER, ROOT, SERVERS, type ServerKey } from './servers.ts';
import { fmt, fmtInt, type Latency, mb, median, pct, table } from './stats.ts';
import { type Wire, wireMarkdown } from './wire.ts';

interface Params {
  duration: number;
  warmup: number;
  warmupRequests: number;
  warmupRuns: number;
  rounds: number;
  seed: number;
  load: { up: number; hold: number; down: number };
  peak: number;
  /** The command line, and the arguments given to `npm run bench --`. */
  command: string;
  args: string[];
}

/** One shared document asked of every server: how each other server's `data` compares with the full server's. */
export interface SameData {
  name: string;
  servers: { key: ServerKey; difference?: string; problem?: string }[];
}

export interface EngineCount {
  name: string;
  cold: Record<string, number>;
  warm: Record<string, number>;
  failures: string[];
}

export interface RssPeak {
  node: number;
  tree: number;
  samples: number;
  /** node + python at the last sample. */
  lastTree: number;
}

export interface Report {
  params: Params;
  started: Date;
  seconds: number;
  sameData: SameData[];
  runs: Runs;
  recommend: { cold: Latency & { failures: string[] }; warm: Latency & { failures: string[] }; results: { min: number; mean: number } };
  explanations: DeferTiming[];
  wire: Wire;
  engine: EngineCount[];
  loadRun: { result: LoadResult; rss: RssPeak; points: { sum: number; count: number } };
  /** The full server's RSS once ready, just before the load run, and the peak over the whole run. */
  rss: { started: RssPeak; beforeLoad: RssPeak; wholeRun: RssPeak };
}

// Evaluated when run.ts imports this module, before any server starts.
const LOAD_BEFORE = loadavg();
/** The code under test is what the servers loaded when they started: note its state then, and whether it moved. */
const CODE_BEFORE = codeState();

function codeState(): string {
  const commit = tryRun('git', ['rev-parse', '--short', 'HEAD']);
  // Only the files the servers run (bench/RESULTS.md, which this run rewrites, is not one of them); a digest
  // of the uncommitted diff tells two runs of different work in progress apart.
  const servers = ['bench/*-server.ts', 'bench/lib/prepared-schema.ts', 'bench/lib/listen.ts'];
  const diff = tryRun('git', ['diff', 'HEAD', '--', 'src', 'python', 'package.json', ...servers]);
  const digest = createHash('sha1').update(diff).digest('hex').slice(0, 8);
  return commit ? `commit ${commit}${diff ? ` with uncommitted changes (diff ${digest})` : ''}` : '';
}

function machine(): string[] {
  const python = tryRun(process.env.PYTHON ?? 'python3', ['--version']);
  const after = codeState();
  return [
    `Machine: ${availableParallelism()} CPUs (nproc), ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 0)} GB RAM; ` +
      `Node ${process.version}; ${python || 'python3 ?'}; load average (1, 5, 15 min) before the run ${LOAD_BEFORE.map((l) => l.toFixed(2)).join(' ')}, ` +
      `after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (other work on the machine during the run skews the figures)`,
    ...(CODE_BEFORE
      ? [
          `Code: ${CODE_BEFORE} at the start${after !== CODE_BEFORE ? ` (**${after} by the end**: the servers of part h started later)` : ''}`,
        ]
      : []),
  ];
}

function tryRun(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 2 ** 20,
    }).trim();
  } catch {
    return '';
  }
}

export function render(r: Report): string {
  const P = r.params;
  const compared = comparison(r.runs, P.rounds);
  const verdicts: Verdict[] = [...compared.verdicts];
  const { otherErrors, throttled } = compared;

  // f
  const { cold, warm, results } = r.recommend;
  verdicts.push({
    issue: '8',
    target: 'cold recommendation p95 < 300 ms',
    figure: `${ms(cold.p95)} ms`,
    met: cold.p95 < 300 && cold.failures.length === 0,
  });

  // g
  const last = r.explanations.map((e) => e.lastMs);
  const allReady = r.explanations.every((e) => e.ready === e.total && e.total > 0);

  // h
  const sum = (c: Record<string, number>) => Object.values(c).reduce((s, n) => s + n, 0);
  const list = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([e, n]) => `${e} ${n}`)
      .join(', ') || 'none';
  const engineFailures = r.engine.reduce((s, e) => s + e.failures.length, 0);

  // i
  const lr = r.loadRun.result;
  const pts = r.loadRun.points;
  const l429 = statusCount(lr, '429');
  const lOther = lr.errors + lr.non2xx - l429;
  verdicts.push({
    issue: '8, 16',
    target: 'peak RSS in the load run < 250 MB (node + python)',
    figure: mb(r.loadRun.rss.tree),
    met: r.loadRun.rss.tree < 250 * 1024,
  });
  const fOther = cold.failures.length + warm.failures.length + engineFailures;
  verdicts.push({
    issue: '8',
    target: 'no errors other than intended 429s (every part of the run)',
    figure: `${otherErrors + lOther + fOther} errors, ${throttled + l429} x 429`,
    met: otherErrors + lOther + fOther === 0,
  });

  const p = P.load;
  return [
    '# veo-bff benchmark',
    '',
    `- Date: ${r.started.toISOString()} (run took ${fmt(r.seconds / 60, 1)} min)`,
    `- Command: \`${P.command}\` (\`npm run bench\`${P.args.length ? ` -- ${P.args.join(' ')}` : ''})`,
    ...machine().map((m) => `- ${m}`),
    `- Parameters: ${fmt(P.duration, 1)} s per measured run after a warm-up per request and server (${P.warmup} s runs until it has answered ` +
      `${fmtInt(P.warmupRequests)} requests, at most ${P.warmupRuns} runs); ${P.rounds} round(s); ` +
      `in a-c the ${SERVERS.length} servers one after the other, round r starting with the r-th in the order of the tables (so drift over a ` +
      'scenario favours none); load generator: autocannon 9 in the benchmark process, ' +
      'closed loop (each connection sends its next request when the last is answered), on 127.0.0.1, on the same CPUs as the servers.',
    `- Full server: \`node ${startFlags().join(' ')} dist/server.js\` (what \`npm start\` runs: the esbuild bundle of src/server.ts), NODE_ENV=production, CORS_ORIGINS=http://localhost:3000, in-process cache ` +
      '(no Upstash), in-process rate limits and query cost, request log as JSON lines on stdout (to a file), /metrics, the embedded Python ' +
      'engine as its child; Sentry and Axiom unset (they need outside services).',
    `- **Every request carries \`x-api-key\` of a key in a tier defined for the benchmark, \`${API_KEY_TIER.name}\`** ` +
      `(${fmtInt(API_KEY_TIER.perMinute)} points a minute, ${fmtInt(API_KEY_TIER.perDay)} a day, \`RATE_LIMIT_TIERS\`), so the single ` +
      'load generator is not throttled; the limiter still prices and charges every request. (The built-in `internal` tier, ' +
      '1,000,000 points a minute, would be spent by the load run: see there.)',
    '- Full server, cache off: the same, started with `RESPONSE_CACHE=off` (graphql-jit and our plugins, every operation executed; ' +
      'a repeated question runs as a prepared operation, in front of Yoga: README, "Prepared operations").',
    '- minimal-server.ts: `bench/minimal-server.ts`, node:http + graphql-js `buildSchema`, a parse-and-validate cache keyed by query text, ' +
      'the data fetched once from its own engine at start and held in memory, the areas sorted per request; no plugins, no logging, no limits.',
    '- Strict minimal: `bench/strict-minimal-server.ts`, HTTP and GraphQL alone: node:http + graphql-js, a parse-and-validate cache keyed ' +
      'by query text, `execute` per request over objects prepared at start (areas sorted in every order, each page cut, each area built), ' +
      'JSON.stringify.',
    '- Yoga + response cache (the peer to beat): `bench/yoga-peer-server.ts`, stock `createYoga` with its defaults and ' +
      "`@graphql-yoga/plugin-response-cache` (one entry for every client), over the strict minimal's schema and data.",
    '- The three reference servers run with NODE_ENV=production under tsx, and each loads its data from a Python engine of its own at start.',
    `- Same \`data\` as the full server's: ${r.sameData.map((d) => `${d.name}: ${d.servers.map(sameText).join(', ')}`).join('; ')}` +
      ' (`extensions` differ, as expected: cost and rate-limit state).',
    '',
    '## Targets (issues 8 and 16)',
    '',
    table(
      ['issue', 'target', 'figure', 'verdict'],
      verdicts.map((v) => [v.issue, v.target, v.figure, mark(v.met)]),
      ['r', 'l', 'r', 'l'],
    ),
    '',
    ...compared.markdown,
    ...wireMarkdown(r.wire),
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
      [
        'requests',
        'req/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'errors (not 429)',
        '429',
        'error rate',
        'peak RSS node',
        'peak RSS node + python',
      ],
      [
        [
          fmtInt(lr.requests),
          fmtInt(lr.rps),
          ms(lr.latency.p50),
          ms(lr.latency.p95),
          ms(lr.latency.p99),
          lOther,
          l429,
          pct(lOther, lr.requests),
          mb(r.loadRun.rss.node),
          mb(r.loadRun.rss.tree),
        ],
      ],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `Status codes in the load run: ${Object.entries(lr.status)
      .map(([c, n]) => `${c} x ${fmtInt(n)}`)
      .join(', ')}. ` +
      `Points charged: ${fmtInt(pts.sum)} for ${fmtInt(pts.count)} priced operations, ${fmt(pts.sum / pts.count, 1)} a request, ` +
      `${fmtInt((pts.sum / lr.seconds) * 60)} a minute on average: the built-in \`internal\` tier (1,000,000 a minute) would last ` +
      `${fmt(1_000_000 / (pts.sum / lr.seconds), 0)} s at that rate. ` +
      `The seed's thresholds: p95 < 2,000 ms (${lr.latency.p95 < 2000 ? 'met' : 'not met'}), errors < 1% (${lOther / lr.requests < 0.01 ? 'met' : 'not met'}).`,
    '',
  ].join('\n');
}

const LABEL = Object.fromEntries(SERVERS.map((s) => [s.key, s.label])) as Record<ServerKey, string>;

function sameText(x: SameData['servers'][number]): string {
  return `${LABEL[x.key]} ${x.problem ? `**failed (${x.problem})**` : x.difference ? `**differs (${x.difference})**` : 'identical'}`;
}

function failures(list: string[]): string {
  if (list.length === 0) return '0';
  const counts = new Map<string, number>();
  for (const f of list) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].map(([f, n]) => `${n} x ${f}`).join('; ');
}
