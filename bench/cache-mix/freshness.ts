import { count, table } from './markdown.ts';
import { type MarkedAnswer, Tally } from './marks.ts';

/**
 * How long past their TTL personas may still be served before the answer counts as stale: the proxy stamps
 * them when the engine answers, the server starts their TTL a moment later, when it has read them.
 */
const GRACE_MS = 250;

/** The data versions seen: of every engine answer (through the proxy), and of `health` on each instance at the end. */
export interface DataVersions {
  engine: readonly string[];
  health: readonly (string | null)[];
}

export interface FreshnessResult {
  /** Answers with personas: their data's age when the request was sent, against CACHE_TTL_PERSONA. */
  personas: Tally;
  oldestMs: number;
  /** Distinct times the engine gave the personas: more than one means their TTL ran out in the run. */
  fetches: number;
  unstamped: number;
  dataVersions: DataVersions;
  ok: boolean;
  problems: string[];
}

/** Checks every answer of the run that holds personas against their TTL, and that the engine's data version held. */
export function checkFreshness(answers: readonly MarkedAnswer[], personaTtlMs: number, dataVersions: DataVersions): FreshnessResult {
  const personas = new Tally();
  const fetches = new Set<number>();
  let oldestMs = 0;
  let unstamped = 0;
  for (const answer of answers) {
    unstamped += answer.unstamped;
    if (answer.personasFetchedAt === undefined) continue;
    const age = answer.sentAt - answer.personasFetchedAt;
    fetches.add(answer.personasFetchedAt);
    oldestMs = Math.max(oldestMs, age);
    personas.count(answer, age > personaTtlMs + GRACE_MS, () => `personas ${(age / 1000).toFixed(2)} s old`);
  }

  const problems: string[] = [];
  if (unstamped > 0) problems.push(`${count(unstamped, 'persona')} came without the proxy's stamp`);
  if (fetches.size < 2) problems.push('the personas were fetched once only: their TTL never ran out in the run (run longer)');
  if (personas.bad > 0) problems.push(`${count(personas.bad, 'answer')} served personas older than CACHE_TTL_PERSONA`);
  // One version throughout: the marks are then the only changes of data in the run.
  const versions = new Set([...dataVersions.engine, ...dataVersions.health]);
  if (versions.size !== 1 || versions.has(null))
    problems.push(`the engine's data version was not one and the same: ${[...versions].join(', ')}`);
  return { personas, oldestMs, fetches: fetches.size, unstamped, dataVersions, ok: problems.length === 0, problems };
}

/** The report's section on freshness. */
export function freshnessReport(result: FreshnessResult, personaTtlMs: number): string[] {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const { personas } = result;
  return [
    `## Freshness: no answer served past its TTL`,
    '',
    'The server puts no data version and no time of fetch in an answer, so the proxy in front of the engine stamps',
    "each persona's name with the time the engine gave it, and every answer of the run that holds personas (warm-up",
    `included) is checked against CACHE_TTL_PERSONA (${s(personaTtlMs)} s, shorter than the run) from its request's sending,`,
    `with ${GRACE_MS} ms of grace (the server starts the TTL a moment after the proxy stamps).`,
    '',
    table(
      ['answers with personas', 'failing', 'oldest served', 'times the engine gave them'],
      [[personas.answers, personas.failing, `${s(result.oldestMs)} s`, result.fetches]],
      ['r', 'r', 'r', 'r'],
    ),
    '',
    'Every other kind keeps a TTL of an hour or more, longer than the run, under a key prefix new to the run: no',
    'answer can hold data older than that, and the marks do not check them (crime after the invalidation is checked',
    'in "Invalidation"). The engine gave ' +
      `${result.dataVersions.engine.join(', ')} as its \`dataVersion\` in every answer, and \`health { engine { dataVersion } }\` ` +
      `said ${result.dataVersions.health.join(' and ')} on the two instances at the end: with one version throughout, the marks are the only changes of data in the run.`,
    '',
    ...personas.examples.map((e) => `- ${e}`),
    ...(personas.examples.length ? [''] : []),
    `Freshness: **${result.ok ? 'met' : 'not met'}**${result.problems.length ? `: ${result.problems.join('; ')}` : ''}.`,
    '',
  ];
}
