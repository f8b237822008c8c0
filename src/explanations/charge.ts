import { GraphQLError } from 'graphql';
import type { Client } from '../ratelimit/clients.ts';
import { retryAfterSeconds } from '../ratelimit/headers.ts';
import type { RateLimits } from '../ratelimit/rate-limits.ts';

/**
 * Charges new explanation jobs to the client's hourly budget. When it cannot afford them only the
 * explanation fields fail (RATE_LIMITED, with when to retry) and nothing is charged; the rest of the query
 * is served.
 */
export function explanationCharger(limits: RateLimits, client: Client) {
  return async (jobs: number) => {
    const result = await limits.chargeExplanations(client, jobs);
    if (result.allowed) return;
    const refused = result.refusedBy!;
    const retryAfter = retryAfterSeconds(refused, jobs);
    throw new GraphQLError(
      `Rate limited: ${jobs} new explanation job(s) and ${refused.decision.remaining} of ${refused.decision.limit} left. Retry in ${retryAfter} s.`,
      { extensions: { code: 'RATE_LIMITED', budget: refused.budget.name, retryAfterSeconds: retryAfter } },
    );
  };
}
