import { GraphQLError } from 'graphql';
import type { Client } from '../ratelimit/clients.ts';
import { retryAfterSeconds } from '../ratelimit/headers.ts';
import type { Store } from '../ratelimit/limiter.ts';
import type { RateLimits } from '../ratelimit/rate-limits.ts';

export interface ExplanationCharger {
  /** Charges `jobs` new jobs before they are submitted; throws RATE_LIMITED when the budget cannot afford them. */
  charge(jobs: number): Promise<void>;
  /** Gives back jobs that were charged but did not start (the submit failed, or the job already existed). */
  refund(jobs: number): Promise<void>;
}

/**
 * Charges new explanation jobs to the client's hourly budget. When it cannot afford them only the
 * explanation fields fail (RATE_LIMITED) and nothing is charged; the rest of the query is served. More jobs
 * than the budget holds at all are refused as such, since waiting would not help.
 */
export function explanationCharger(limits: RateLimits, client: Client): ExplanationCharger {
  let chargedIn: Store | undefined;
  return {
    async charge(jobs) {
      const result = await limits.chargeExplanations(client, jobs);
      if (result.allowed) {
        chargedIn = result.charged[0]?.decision.store;
        return;
      }
      const refused = result.refusedBy!;
      const { limit, remaining } = refused.decision;
      if (jobs > limit) {
        throw new GraphQLError(
          `Rate limited: ${jobs} new explanation jobs in one request is more than the explanations budget holds (${limit}). Ask for fewer explanations at once.`,
          { extensions: { code: 'RATE_LIMITED', budget: refused.budget.name } },
        );
      }
      const retryAfter = retryAfterSeconds(refused, jobs);
      throw new GraphQLError(`Rate limited: ${jobs} new explanation job(s) and ${remaining} of ${limit} left. Retry in ${retryAfter} s.`, {
        extensions: { code: 'RATE_LIMITED', budget: refused.budget.name, retryAfterSeconds: retryAfter },
      });
    },
    async refund(jobs) {
      if (jobs > 0 && chargedIn) await limits.refundExplanations(client, jobs, chargedIn);
    },
  };
}
