// Scenarios a-e of the report: a table per scenario with every server side by side, the ratios the targets
// of issues 8 and 16 are stated in, and a verdict for each.
import type { LoadResult } from './load.ts';
import { SERVERS, type ServerKey } from './servers.ts';
import { fmt, fmtInt, median, medianBy, table } from './stats.ts';

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

/** Each server's runs of a scenario, one per round in round order (only `full` for a full-only scenario). */
export type Runs = Map<Scenario, Partial<Record<ServerKey, LoadResult[]>>>;

export interface Verdict {
  /** The issue (or issues) that set the target. */
  issue: string;
  target: string;
  figure: string;
  met: boolean | undefined;
}

export const mark = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? '**met**' : '**not met**');
export const ms = (n: number): string => fmt(n, 2);
/** How many answers had this HTTP status, e.g. 429. */
export const statusCount = (r: LoadResult, code: string): number => r.status[code] ?? 0;

const LABEL = Object.fromEntries(SERVERS.map((s) => [s.key, s.label])) as Record<ServerKey, string>;
/** The run with the median req/s: a whole run, so its latencies belong together. */
const medianRun = (list: LoadResult[]) => medianBy(list, (x) => x.rps);
const perRoundText = (list: number[]) => list.map((x) => fmt(x, 2)).join(' / ');

interface Ratio {
  /** What the verdict reads. */
  value: number;
  perRound: number[];
}

/** req/s of a over b: the ratio of their median runs, and within each round (where they ran minutes apart at most). */
function rpsRatio(runs: Partial<Record<ServerKey, LoadResult[]>>, a: ServerKey, b: ServerKey): Ratio {
  const x = runs[a]!;
  const y = runs[b]!;
  return { value: medianRun(x).rps / medianRun(y).rps, perRound: x.map((r, i) => r.rps / y[i]!.rps) };
}

/** p99 of a over b in the same round; the median of those per-round ratios. */
function p99Ratio(runs: Partial<Record<ServerKey, LoadResult[]>>, a: ServerKey, b: ServerKey): Ratio {
  const x = runs[a]!;
  const y = runs[b]!;
  const perRound = x.map((r, i) => r.latency.p99 / y[i]!.latency.p99);
  return { value: median(perRound), perRound };
}

export function comparison(
  runs: Runs,
  rounds: number,
): { verdicts: Verdict[]; markdown: string[]; otherErrors: number; throttled: number } {
  const verdicts: Verdict[] = [];
  const sections: string[] = [];
  const fullOnlyRows: (string | number)[][] = [];
  let otherErrors = 0;
  let throttled = 0;

  for (const [s, byServer] of runs) {
    for (const x of Object.values(byServer).flat()) {
      throttled += statusCount(x, '429');
      otherErrors += x.errors + x.non2xx - statusCount(x, '429');
    }
    const title = `${s.id}. ${s.name}, ${s.connections} connections`;
    if (s.fullOnly) {
      const list = byServer.full!;
      const f = medianRun(list);
      fullOnlyRows.push([
        `${s.id}. ${s.name}`,
        s.connections,
        fmtInt(f.rps),
        ms(f.latency.p50),
        ms(f.latency.p95),
        ms(f.latency.p99),
        f.errors,
        f.non2xx,
        list.map((y) => fmtInt(y.rps)).join(' / '),
        s.fullOnly,
      ]);
      continue;
    }

    const rows = SERVERS.map(({ key }) => {
      const list = byServer[key]!;
      const m = medianRun(list);
      const rps = rpsRatio(byServer, key, 'strict');
      const p99 = p99Ratio(byServer, key, 'strict');
      return [
        LABEL[key],
        fmtInt(m.rps),
        `${fmt(rps.value, 2)}x`,
        perRoundText(rps.perRound),
        ms(m.latency.p50),
        ms(m.latency.p95),
        ms(m.latency.p99),
        `${fmt(p99.value, 2)}x`,
        m.errors,
        m.non2xx,
        list.map((y) => fmtInt(y.rps)).join(' / '),
      ];
    });

    // Each verdict's target, less the scenario's title, for the lines under the table.
    const here: (Verdict & { what: string })[] = [];
    const add = (issue: string, what: string, figure: string, met: boolean) =>
      here.push({ issue, target: `${title}: ${what}`, what, figure, met });
    const rpsTarget = (a: ServerKey, b: ServerKey, min: number, issue: string) => {
      const r = rpsRatio(byServer, a, b);
      add(
        issue,
        `req/s of ${LABEL[a]} >= ${fmt(min, 2)}x ${LABEL[b]}`,
        `${fmt(r.value, 2)}x (per round ${perRoundText(r.perRound)})`,
        r.value >= min,
      );
    };
    const full = medianRun(byServer.full!);
    if (s.id === 'a') {
      rpsTarget('full', 'peer', 1, '16');
      rpsTarget('full', 'strict', 1.5, '16');
      rpsTarget('fullNoCache', 'strict', 1, '16');
      rpsTarget('full', 'minimal', 1, '8');
    } else {
      rpsTarget('full', 'strict', 0.5, '16');
      rpsTarget('fullNoCache', 'strict', 0.35, '16');
      if (s.connections === 5) {
        add('8', `p99 of ${LABEL.full} < 10 ms`, `${ms(full.latency.p99)} ms`, full.latency.p99 < 10);
      }
      if (s.connections === 20) {
        const r = p99Ratio(byServer, 'full', 'strict');
        const strict = medianRun(byServer.strict!);
        add(
          '16',
          `p99 of ${LABEL.full} <= 1.5x ${LABEL.strict}'s in the same round`,
          `${fmt(r.value, 2)}x (per round ${perRoundText(r.perRound)}; median runs ${ms(full.latency.p99)} ms vs ${ms(strict.latency.p99)} ms)`,
          r.value <= 1.5,
        );
      }
    }
    verdicts.push(...here.map(({ what: _, ...v }) => v));
    sections.push(
      `### ${title}`,
      '',
      table(
        [
          'server',
          'req/s',
          'x strict minimal',
          'per round',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'p99 x strict minimal',
          'errors',
          'non-2xx',
          'req/s of each run',
        ],
        rows,
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
      ...here.map((v) => `- ${v.what} (issue ${v.issue}): ${v.figure}: ${mark(v.met)}`),
      '',
    );
  }

  const markdown = [
    `## Throughput and latency (a-e), the median of ${rounds} run(s)`,
    '',
    `Each row is the run with the median req/s among the server's ${rounds} runs of that scenario (its latencies are that run's, not`,
    'medians of each figure); the last column lists every run in order. Latency: autocannon, request written to answer read, every',
    'answer. "errors": connection errors, timeouts and 200 answers holding GraphQL `errors`. "x strict minimal": the req/s ratio of',
    'the median runs (the req/s verdicts use it), then the ratio within each round, where the servers ran one after the other;',
    '"p99 x strict minimal": the p99 ratio within each round, the median over the rounds (the p99 verdicts use it).',
    '',
    ...sections,
    '### Full server only (d, e)',
    '',
    table(
      ['scenario', 'conns', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'non-2xx', 'req/s of each run', 'why full only'],
      fullOnlyRows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  ];
  return { verdicts, markdown, otherErrors, throttled };
}
