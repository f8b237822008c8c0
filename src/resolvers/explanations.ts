import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.ts';
import { engineCall } from '../errors.ts';
import { isDeferred } from '../explanations/defer.ts';
import type { ExplanationContext, ExplanationRequest, Job } from '../modal/contract.ts';

export function explanation(ctx: Context, id: string) {
  return engineCall(() => ctx.loaders.explanationStatus.load(id));
}

/**
 * The explanation of an area for a persona: from the cache when it was written before, else a job started
 * with every other new one of the request (one engine call). Under @defer the field waits, bounded, for the
 * job to finish, so the deferred payload carries the text.
 */
export async function explain(ctx: Context, request: ExplanationRequest, info: GraphQLResolveInfo): Promise<Job | null> {
  const job = await engineCall(() => ctx.loaders.explanation.load(request));
  if (!job || job.status !== 'PENDING' || !isDeferred(info)) return job;
  return ctx.explanations.waitFor(job.id, ctx.config.explanations.deferWaitMs, job);
}

/** An explicit request; asking again for a FAILED job starts it again. */
export function requestExplanation(ctx: Context, request: ExplanationRequest) {
  return engineCall(() => ctx.loaders.explanation.load(request));
}

/** Each status of a job until it is READY or FAILED (SSE). */
export async function explanationUpdates(ctx: Context, id: string) {
  const first = await engineCall(() => ctx.loaders.explanationStatus.load(id));
  return ctx.explanations.updates(id, first);
}

export function toContext(input: {
  budget?: number | null;
  locationType?: ExplanationContext['locationType'] | null;
  size?: ExplanationContext['size'] | null;
  commuteTo?: string | number | null;
} | null | undefined): ExplanationContext {
  if (!input) return {};
  return {
    ...(input.budget != null ? { budget: input.budget } : {}),
    ...(input.locationType ? { locationType: input.locationType } : {}),
    ...(input.size ? { size: input.size } : {}),
    ...(input.commuteTo != null ? { commuteTo: Number(input.commuteTo) } : {}),
  };
}
