// The markdown report of bench/run.ts: parameters and machine facts, the issue's targets with a verdict each,
// and one section per part of the run (a-i).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { startFlags } from '../../scripts/start-flags.ts';
import type { LoadResult } from './load.ts';
import { MIX } from './mix.ts';
import type { DeferTiming } from './probes.ts';
import { API_KEY_TIER, ROOT } from './servers.ts';
import { fmt, fmtInt, type Latency, mb, median, medianBy, pct, table } from './stats.ts';

interface Params {
  duration: number;
  warmup: number;
  rounds: number;
  seed: number;
  load: { up: number; hold: number; down: number };
  peak: number;
  /** The command line, and the arguments given to `npm run bench --`. */
  command: string;
  args: string[];
}

export interface Scenario {
  id: string;
  name: string;
  connections: number;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Only the full server serves it: why. */
  fullOnly?: string;
}

export type Runs = Map<Scenario, { full: LoadResult[]; minimal: LoadResult[] }>;

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
  sameData: { name: string; difference?: string; problem?: string }[];
  runs: Runs;
  recommend: { cold: Latency & { failures: string[] }; warm: Latency & { failures: string[] }; results: { min: number; mean: number } };
  explanations: DeferTiming[];
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

type Verdict = { target: string; figure: string; met: boolean | undefined };
const mark = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? '**met**' : '**not met**');
const ms = (n: number) => fmt(n, 2);
/** How many answers had this HTTP status, e.g. 429. */
const statusCount = (r: LoadResult, code: string) => r.status[code] ?? 0;

export function render(r: Report): string {
  const P = r.params;
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
    const spread =
      perRound.length > 1 ? ` (per round ${perRound.map((x) => fmt(x, 2)).join(' / ')}, median ${fmt(median(perRound), 2)})` : '';
    const line = (server: string, x: LoadResult, runs: LoadResult[], ratioText: string) => [
      `${s.id}. ${s.name}`,
      server,
      s.connections,
      fmtInt(x.rps),
      ms(x.latency.p50),
      ms(x.latency.p95),
      ms(x.latency.p99),
      x.errors,
      x.non2xx,
      ratioText,
      runs.map((y) => fmtInt(y.rps)).join(' / '),
    ];
    rows.push(line('full', f, full, m ? `**${fmt(ratio, 2)}x**${spread}` : `- (${s.fullOnly})`));
    if (m) rows.push(line('minimal', m, minimal, ''));
    if (s.id === 'a')
      verdicts.push({ target: 'warm dashboard, full/minimal req/s >= 1.0x', figure: `${fmt(ratio, 3)}x${spread}`, met: ratio >= 1 });
    if ((s.id === 'b' || s.id === 'c') && s.connections === 5) {
      verdicts.push({ target: `${s.name}, p99 < 10 ms at 5 connections`, figure: `${ms(f.latency.p99)} ms`, met: f.latency.p99 < 10 });
    }
    if ((s.id === 'b' || s.id === 'c') && s.connections === 20) {
      verdicts.push({ target: `${s.name}, p99 at 20 connections (reported)`, figure: `${ms(f.latency.p99)} ms`, met: undefined });
    }
  }

  // f
  const { cold, warm, results } = r.recommend;
  verdicts.push({
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
    target: 'peak RSS in the load run < 250 MB (node + python)',
    figure: mb(r.loadRun.rss.tree),
    met: r.loadRun.rss.tree < 250 * 1024,
  });
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
    `- Command: \`${P.command}\` (\`npm run bench\`${P.args.length ? ` -- ${P.args.join(' ')}` : ''})`,
    ...machine().map((m) => `- ${m}`),
    `- Parameters: ${fmt(P.duration, 1)} s per measured run after one ${P.warmup} s warm-up run per scenario and server; ${P.rounds} round(s), ` +
      `full and minimal alternating (which goes first swaps every round); load generator: autocannon 9 in the benchmark process, ` +
      'closed loop (each connection sends its next request when the last is answered), on 127.0.0.1, on the same CPUs as the servers.',
    `- Full server: \`node ${startFlags().join(' ')} dist/server.js\` (what \`npm start\` runs: the esbuild bundle of src/server.ts), NODE_ENV=production, CORS_ORIGINS=http://localhost:3000, in-process cache ` +
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
    table(
      ['target', 'figure', 'verdict'],
      verdicts.map((v) => [v.target, v.figure, mark(v.met)]),
      ['l', 'r', 'l'],
    ),
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

function failures(list: string[]): string {
  if (list.length === 0) return '0';
  const counts = new Map<string, number>();
  for (const f of list) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts].map(([f, n]) => `${n} x ${f}`).join('; ');
}
