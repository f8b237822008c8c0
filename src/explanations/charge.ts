import { GraphQLError } from 'graphql';
import type { Client } from '../ratelimit/clients.ts';
import { retryAfterSeconds } from '../ratelimit/headers.ts';
import type { RateLimits } from '../ratelimit/rate-limits.ts';

/**
 * Charges new explanation jobs to the client's hourly budget. When it is spent only the explanation fields
 * fail (RATE_LIMITED, with when to retry); the rest of the query is served.
 */
export function explanationCharger(limits: RateLimits, client: Client) {
  return async (jobs: number) => {
    const result = await limits.chargeExplanations(client, jobs);
    if (result.allowed) return;
    const { budget, decision } = result.refusedBy!;
    const retryAfter = retryAfterSeconds(decision);
    throw new GraphQLError(
      `Rate limited: ${jobs} new explanation job(s) and ${decision.remaining} of ${budget.points} left this window. Retry in ${retryAfter} s.`,
      { extensions: { code: 'RATE_LIMITED', budget: budget.name, retryAfterSeconds: retryAfter } },
    );
  };
}
