import type { EngineStamps } from './engine-stamps.ts';
import { type Answered, post, problemOf } from './graphql.ts';
import { marksOf } from './marks.ts';

/** Reads crime figures only: its answer is built from (or cached with) what `invalidateCache(kind: CRIME)` drops. */
const PROBE = 'query CrimeProbe($code: ID!) { area(code: $code) { code safety { crimeRatePer1000 } } }';
const INVALIDATE = 'mutation InvalidateCrime { invalidateCache(kind: CRIME) { kind version deleted } }';

/** Between two probes of one instance. */
export const POLL_MS = 100;
/** How long past the bound the probes go on, to see that no copy from before comes back. */
const SETTLE_MS = 1_000;

/** What the request log line of a request said, found by the id the benchmark sent. */
export interface Logged {
  responseCache: 'hit' | 'miss' | null;
  engineCalls: number;
}

export interface Probe {
  sentAt: number;
  answeredAt: number;
  /** Whether its crime figure was of the new edition; undefined when the answer was not a good one. */
  revised?: boolean;
  logged?: Logged;
  problem?: string;
}

export interface InvalidationOptions {
  /** The instance sent the mutation, then the other. */
  urls: readonly [string, string];
  adminToken: string;
  /** The borough probed: the most popular, so the mix keeps its answers cached too. */
  code: string;
  memoryTtlMs: number;
  stamps: EngineStamps;
  loggedOf: (requestId: string) => Logged | undefined;
  /** Each good probe answer, for the run's freshness check. */
  onAnswer: (answer: Answered, requestId: string, instance: 0 | 1) => void;
}

export interface Invalidation {
  revisedAt: number;
  sentAt: number;
  answeredAt: number;
  /** The mutation's answer (`{ kind version deleted }`); undefined when it failed (see `problem`). */
  result?: unknown;
  problem?: string;
  /** Per instance, in the order of `urls`. */
  probes: [Probe[], Probe[]];
}

/**
 * An operator's invalidation in the middle of the traffic. Both instances are asked the probe first, so each
 * holds a fresh copy of its answer in its memory tier: the worst case for how late the other one sees the
 * invalidation. Then the proxy starts giving the new edition of the crime figures, `invalidateCache(kind:
 * CRIME)` goes to the first instance with the admin token, and both instances are probed every POLL_MS until
 * SETTLE_MS past the bound (the mutation's answer plus CACHE_MEMORY_TTL_SECONDS), at most twice the memory TTL
 * and 5 s more when the new edition does not show.
 */
export async function invalidateMidRun(options: InvalidationOptions): Promise<Invalidation> {
  const { urls, adminToken, code, memoryTtlMs, stamps, loggedOf, onAnswer } = options;
  let n = 0;
  const probe = async (instance: 0 | 1): Promise<Probe> => {
    const requestId = `probe-${instance}-${String(++n).padStart(5, '0')}`;
    const sentAt = Date.now();
    try {
      const answer = await post(urls[instance], { query: PROBE, variables: { code } }, requestId);
      const problem = problemOf(answer);
      if (problem) return { sentAt, answeredAt: answer.answeredAt, problem, logged: loggedOf(requestId) };
      onAnswer(answer, requestId, instance);
      const marks = marksOf(answer.body.data);
      if (marks.oldCrime + marks.newCrime === 0) return { sentAt, answeredAt: answer.answeredAt, problem: `no crime figure for ${code}` };
      return { sentAt, answeredAt: answer.answeredAt, revised: marks.newCrime > 0 && marks.oldCrime === 0, logged: loggedOf(requestId) };
    } catch (error) {
      return { sentAt, answeredAt: Date.now(), problem: (error as Error).message };
    }
  };

  await probe(0);
  await probe(1);
  const revisedAt = Date.now();
  stamps.revise();
  const sentAt = Date.now();
  let result: unknown;
  let problem: string | undefined;
  let answeredAt: number;
  try {
    const answer = await post(urls[0], { query: INVALIDATE }, 'invalidate-crime', { authorization: `Bearer ${adminToken}` });
    answeredAt = answer.answeredAt;
    problem = problemOf(answer);
    result = answer.body.data?.invalidateCache;
  } catch (error) {
    answeredAt = Date.now();
    problem = (error as Error).message;
  }
  if (problem) return { revisedAt, sentAt, answeredAt, problem, probes: [[], []] };

  const bound = answeredAt + memoryTtlMs;
  const deadline = answeredAt + 2 * memoryTtlMs + 5_000;
  const follow = async (instance: 0 | 1): Promise<Probe[]> => {
    const probes: Probe[] = [];
    let seen = false;
    while (Date.now() < deadline && !(seen && Date.now() > bound + SETTLE_MS)) {
      const p = await probe(instance);
      probes.push(p);
      seen ||= p.revised === true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return probes;
  };
  const probes = await Promise.all([follow(0), follow(1)]);
  return { revisedAt, sentAt, answeredAt, result, probes: [probes[0]!, probes[1]!] };
}
