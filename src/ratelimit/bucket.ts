/**
 * A budget of cost points: a token bucket that holds at most `points` and restores `points` per `windowMs`,
 * a little every step, so a client that spends half its budget has it back after half a window.
 */
export interface Budget {
  name: string;
  points: number;
  windowMs: number;
}

/** A bucket as stored: tokens (fractional while refilling) as of the last refill step. */
export interface BucketState {
  tokens: number;
  refilledAt: number;
}

/**
 * Refill steps, the way @upstash/ratelimit's tokenBucket counts them (the same hash fields, so its
 * getRemaining and resetUsedTokens read these keys): `perStep` tokens every `stepMs`, at most one second,
 * so the restore rate is exact and a client sees it move every second.
 */
export function refillStep(budget: Pick<Budget, 'points' | 'windowMs'>): { stepMs: number; perStep: number } {
  const stepMs = Math.min(1000, budget.windowMs);
  return { stepMs, perStep: (budget.points * stepMs) / budget.windowMs };
}

/** Points restored per second. */
export const restoreRate = (budget: Pick<Budget, 'points' | 'windowMs'>) => (budget.points * 1000) / budget.windowMs;

/** The bucket as of `now`: full when never used (or expired), else topped up by the steps since its last refill. */
export function refilled(budget: Pick<Budget, 'points' | 'windowMs'>, state: BucketState | undefined, now: number): BucketState {
  if (!state) return { tokens: budget.points, refilledAt: now };
  const { stepMs, perStep } = refillStep(budget);
  // A clock behind the one that wrote the state (another instance) refills nothing rather than going back.
  if (now < state.refilledAt + stepMs) return state;
  const steps = Math.floor((now - state.refilledAt) / stepMs);
  return { tokens: Math.min(budget.points, state.tokens + steps * perStep), refilledAt: state.refilledAt + steps * stepMs };
}

/** Milliseconds from `now` until the bucket holds `wanted` tokens (capped at its size), if nothing is spent. */
export function msUntil(budget: Pick<Budget, 'points' | 'windowMs'>, state: BucketState, wanted: number, now: number): number {
  const target = Math.min(wanted, budget.points);
  if (state.tokens >= target) return 0;
  const { stepMs, perStep } = refillStep(budget);
  if (perStep <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, state.refilledAt + Math.ceil((target - state.tokens) / perStep) * stepMs - now);
}
