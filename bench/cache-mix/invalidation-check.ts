import type { Invalidation, Probe } from './invalidation.ts';
import { POLL_MS } from './invalidation.ts';
import { count, table } from './markdown.ts';
import { type MarkedAnswer, Tally } from './marks.ts';

export interface InvalidationVerdict {
  ok: boolean;
  /** Per instance: seconds from the mutation's answer to the first probe that showed the new edition. */
  seenAfterS: (number | undefined)[];
  /** Answers that came back before the new edition: none may show it (else the marks are misread). */
  before: Tally;
  /** Per instance, answers sent at or after the bound: none may show the first edition. */
  after: [Tally, Tally];
  /** Answers sent between the mutation and the bound: either edition, for information. */
  window: { answers: number; old: number; mixed: number };
  problems: string[];
}

/**
 * Met when the mutation succeeded, both instances' probes came to show the new edition, and no answer of the
 * run (probe or mix) sent at or after the bound (the mutation's answer plus CACHE_MEMORY_TTL_SECONDS) showed
 * the first one.
 */
export function judgeInvalidation(run: Invalidation, answers: readonly MarkedAnswer[], memoryTtlMs: number): InvalidationVerdict {
  const before = new Tally();
  const after: [Tally, Tally] = [new Tally(), new Tally()];
  const window = { answers: 0, old: 0, mixed: 0 };
  const problems: string[] = [];
  if (run.problem) problems.push(`the mutation failed: ${run.problem}`);
  const bound = run.problem ? Infinity : run.answeredAt + memoryTtlMs;
  const since = (at: number) => `sent ${((at - run.answeredAt) / 1000).toFixed(2)} s after the mutation answered`;

  for (const answer of answers) {
    if (answer.oldCrime + answer.newCrime === 0) continue;
    const editions = () => `${answer.oldCrime} first-edition and ${answer.newCrime} new crime figures, ${since(answer.sentAt)}`;
    if (answer.answeredAt < run.revisedAt) before.count(answer, answer.newCrime > 0, editions);
    else if (answer.sentAt >= bound) after[answer.instance === 0 ? 0 : 1].count(answer, answer.oldCrime > 0, editions);
    else if (answer.sentAt >= run.revisedAt) {
      window.answers += 1;
      if (answer.oldCrime > 0 && answer.newCrime > 0) window.mixed += 1;
      else if (answer.oldCrime > 0) window.old += 1;
    }
  }

  if (before.bad > 0) problems.push(`${count(before.bad, 'answer')} from before the new edition showed it: the marks are misread`);
  const seenAfterS = run.probes.map((probes, i) => {
    const name = `instance ${i + 1}`;
    const failed = probes.filter((p) => p.problem);
    if (failed.length) problems.push(`${name}: ${count(failed.length, 'probe')} failed (${failed[0]!.problem})`);
    const first = probes.find((p) => p.revised);
    if (!run.problem && !first) problems.push(`${name}: no probe showed the new edition`);
    if (!run.problem && after[i]!.answers === 0) problems.push(`${name}: no answer with crime figures after the bound (run longer)`);
    if (after[i]!.bad > 0) problems.push(`${name}: ${count(after[i]!.bad, 'answer')} sent after the bound showed the first edition`);
    return first && (first.sentAt - run.answeredAt) / 1000;
  });
  return { ok: problems.length === 0, seenAfterS, before, after, window, problems };
}

/** The report's section on the invalidation. */
export function invalidationReport(run: Invalidation, verdict: InvalidationVerdict, memoryTtlMs: number, atRequest: number): string[] {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const lines = [
    `## Invalidation in the middle of the run`,
    '',
    `\`invalidateCache(kind: CRIME)\` went to instance 1 with the admin token when the mix had reached request ${atRequest}; ` +
      (run.problem
        ? `it failed: ${run.problem}.`
        : `it answered in ${run.answeredAt - run.sentAt} ms with \`${JSON.stringify(run.result)}\`.`),
    "Just before, both instances were asked `CrimeProbe` (one borough's `safety { crimeRatePer1000 }`), so each held a",
    'fresh copy of that answer in its memory tier, and the proxy in front of the engine began to give every crime rate',
    'as a new edition (raised by 100,000: the revised figures an operator invalidates for). Then both were asked the',
    `probe every ${POLL_MS} ms until a second past the bound: the mutation's answer plus CACHE_MEMORY_TTL_SECONDS (${s(memoryTtlMs)} s).`,
    "Times are from the mutation's answer to a probe's sending; \"answered from\" is the request log's `responseCache`",
    '(hit: the whole answer came from the response cache; miss: it was executed) and its engine calls.',
    '',
  ];
  if (!run.problem) {
    const rows = run.probes.map((probes, i) => {
      const firstNew = probes.findIndex((p) => p.revised);
      const before = firstNew === -1 ? probes : probes.slice(0, firstNew);
      const lastOld = before.filter((p) => p.revised === false).at(-1);
      const first = probes[firstNew];
      const from = (p: Probe | undefined) =>
        p?.logged ? `${p.logged.responseCache ?? 'not asked'}; engine calls: ${p.logged.engineCalls}` : '-';
      return [
        i === 0 ? '1 (got the mutation)' : '2',
        probes.length,
        lastOld ? `${s(lastOld.sentAt - run.answeredAt)} s` : '-',
        first ? `**${s(first.sentAt - run.answeredAt)} s**` : 'never',
        from(first),
        `${before.filter((p) => p.logged?.responseCache === 'hit').length} of ${before.length}`,
      ];
    });
    lines.push(
      table(
        [
          'instance',
          'probes',
          'last first-edition answer',
          'first new-edition answer',
          'it was answered from',
          'response-cache hits before it',
        ],
        rows,
        ['l', 'r', 'r', 'r', 'l', 'r'],
      ),
      '',
    );
  }
  const { before, after, window } = verdict;
  lines.push(
    'Every good answer of the run that holds crime figures (warm-up, mix and probes), by its marks:',
    '',
    table(
      ['answers', 'count', 'failing', 'rule'],
      [
        ['back before the new edition', before.answers, before.failing, 'first edition only (the marks are read right)'],
        [
          'sent between the mutation and the bound',
          window.answers,
          '-',
          `either: ${window.old} first edition, ${window.mixed} both, ${window.answers - window.old - window.mixed} new`,
        ],
        ['sent after the bound, instance 1', after[0].answers, after[0].failing, 'new edition only'],
        ['sent after the bound, instance 2', after[1].answers, after[1].failing, 'new edition only'],
      ],
      ['l', 'r', 'r', 'l'],
    ),
    '',
    ...[before, ...after].flatMap((t) => t.examples.map((e) => `- ${e}`)),
    ...([before, ...after].some((t) => t.examples.length) ? [''] : []),
    `Invalidation seen by both instances within CACHE_MEMORY_TTL_SECONDS: **${verdict.ok ? 'met' : 'not met'}**` +
      (verdict.problems.length ? `: ${verdict.problems.join('; ')}` : '') +
      '.',
    '',
  );
  return lines;
}
