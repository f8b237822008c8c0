import { createHash } from 'node:crypto';
import type { Cache } from '../cache/cache.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import type { ExplanationRequest, Job } from '../modal/contract.ts';

/** Ids or questions per /explanations or /explanations/status call: the engine refuses more (python/README.md, "Limits"). */
export const MAX_IDS_PER_CALL = 100;

/** The cache id of a question: the same area, persona and context always give the same id. */
export function questionId(question: ExplanationRequest): string {
  const canonical = canonicalJson({ a: question.areaCode, p: question.persona, c: question.context ?? {} });
  return `req:${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

/** The question a job answers, as the engine echoes it back. */
function questionOf(job: Job): ExplanationRequest {
  return { areaCode: job.areaCode, persona: job.persona, context: (job.context ?? {}) as ExplanationRequest['context'] };
}

/**
 * What a job's status says for the cache: a finished job answers its id and its question for the TTL, in
 * one round trip; a failed one is forgotten, so asking the question again retries it.
 */
export async function rememberJobs(cache: Cache, jobs: readonly (Job | null)[]): Promise<void> {
  const ready = jobs.filter((j): j is Job => j?.status === 'READY');
  const failed = jobs.filter((j): j is Job => j?.status === 'FAILED');
  if (ready.length > 0) {
    await cache.store(
      'explanation',
      ready.flatMap((job) => [
        { id: `job:${job.id}`, value: job },
        { id: questionId(questionOf(job)), value: job },
      ]),
    );
  }
  if (failed.length > 0)
    await cache.invalidate(
      'explanation',
      failed.map((job) => questionId(questionOf(job))),
    );
}
