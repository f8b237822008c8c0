import type { Budget, Decision } from './limiter.ts';

export interface Charged {
  budget: Budget;
  decision: Decision;
}

/** The budget closest to running out: the one a client should pace itself by. */
export function tightest(charged: readonly Charged[]): Charged {
  return charged.reduce((a, b) => (b.decision.remaining / b.decision.limit < a.decision.remaining / a.decision.limit ? b : a));
}

const secondsUntil = (epochMs: number, now: number) => Math.max(0, Math.ceil((epochMs - now) / 1000));

/**
 * The IETF draft's `RateLimit-Policy` and `RateLimit` fields (structured-field form of draft 09: q = quota,
 * w = window seconds, r = remaining, t = seconds to reset; quota units are cost points), plus the common
 * `X-RateLimit-*` trio for the tightest budget, with Reset in seconds as the draft uses.
 */
export function rateLimitHeaders(charged: readonly Charged[], now = Date.now()): Record<string, string> {
  if (charged.length === 0) return {};
  const tight = tightest(charged);
  return {
    'RateLimit-Policy': charged.map(({ budget }) => `"${budget.name}";q=${budget.points};w=${Math.round(budget.windowMs / 1000)}`).join(', '),
    RateLimit: charged.map(({ budget, decision }) => `"${budget.name}";r=${decision.remaining};t=${secondsUntil(decision.reset, now)}`).join(', '),
    'X-RateLimit-Limit': String(tight.decision.limit),
    'X-RateLimit-Remaining': String(tight.decision.remaining),
    'X-RateLimit-Reset': String(secondsUntil(tight.decision.reset, now)),
  };
}

/** Shopify's `throttleStatus`, for the tightest budget; restoreRate in points per second. */
export function throttleStatus(charged: readonly Charged[]) {
  if (charged.length === 0) return null;
  const { budget, decision } = tightest(charged);
  return {
    maximumAvailable: decision.limit,
    currentlyAvailable: decision.remaining,
    restoreRate: Math.round((budget.points / (budget.windowMs / 1000)) * 100) / 100,
  };
}

export function retryAfterSeconds(decision: Decision, now = Date.now()): number {
  return Math.max(1, secondsUntil(decision.reset, now));
}
