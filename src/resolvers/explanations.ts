import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.ts';
import { isDeferred } from '../explanations/defer.ts';
import { explanationIds } from '../explanations/ids.ts';
import type { ExplanationContext, ExplanationRequest, Job } from '../modal/contract.ts';

/**
 * A job by the key a client holds (`Explanation.key`). Only a key this server signed may have its job
 * rebuilt by the engine (after a restart), and only where `mayRebuild`; any other key reads a job that
 * exists, else null, and never starts work.
 */
export function explanation(ctx: Context, key: string, options: { mayRebuild: boolean }) {
  const { engineId, signed } = explanationIds(ctx.config.explanations.idSecrets).read(key);
  return ctx.loaders.explanationStatus.load({ id: engineId, rebuild: options.mayRebuild && signed });
}

/**
 * The explanation of an area for a persona: from the cache when it was written before, else a job started
 * with every other new one of the request (one engine call). Under @defer the field waits, bounded, for the
 * job to finish, so the deferred payload carries the text.
 */
export async function explain(ctx: Context, request: ExplanationRequest, info: GraphQLResolveInfo): Promise<Job | null> {
  const job = await ctx.loaders.explanation.load(request);
  if (job?.status !== 'PENDING' || !isDeferred(info)) return job;
  // Found or started by a charged submit: the watcher may have the engine rebuild it if it is lost.
  return ctx.explanations.waitFor(job.id, ctx.config.explanations.deferWaitMs, job, { rebuild: true });
}

/** Each status of a job until it is READY or FAILED (SSE); a key this server did not sign starts nothing. */
export async function explanationUpdates(ctx: Context, key: string) {
  const { engineId, signed } = explanationIds(ctx.config.explanations.idSecrets).read(key);
  const first = await ctx.loaders.explanationStatus.load({ id: engineId, rebuild: signed });
  return ctx.explanations.updates(engineId, first, { rebuild: signed });
}

export function toContext(
  input:
    | {
        budget?: number | null;
        locationType?: ExplanationContext['locationType'] | null;
        size?: ExplanationContext['size'] | null;
        commuteTo?: string | number | null;
      }
    | null
    | undefined,
): ExplanationContext {
  if (!input) return {};
  return {
    ...(input.budget != null ? { budget: input.budget } : {}),
    ...(input.locationType ? { locationType: input.locationType } : {}),
    ...(input.size ? { size: input.size } : {}),
    ...(input.commuteTo != null ? { commuteTo: Number(input.commuteTo) } : {}),
  };
}
