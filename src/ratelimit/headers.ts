import { type Budget, msUntil, restoreRate } from './bucket.ts';
import type { Decision } from './limiter.ts';

export interface Charged {
  budget: Budget;
  decision: Decision;
}

/** The bucket as it applies now (its degraded size while the shared store is away). */
const bucketOf = ({ budget, decision }: Charged) => ({ points: decision.limit, windowMs: budget.windowMs });
const seconds = (ms: number) => (Number.isFinite(ms) ? Math.max(0, Math.ceil(ms / 1000)) : 0);

/** Seconds until the bucket is full again, if nothing more is spent. */
export const secondsUntilFull = (c: Charged, now = Date.now()) => seconds(msUntil(bucketOf(c), c.decision, c.decision.limit, now));

/**
 * The IETF draft's `RateLimit-Policy` and `RateLimit` fields naming the minute and the day budget
 * (structured-field form of draft 09: q = quota, w = window seconds, r = remaining, t = seconds until the
 * bucket is full again; quota units are cost points), and the common `X-RateLimit-*` trio, always for the
 * minute budget: the one a client paces by, so the figures never jump to another budget's scale.
 */
export function rateLimitHeaders(charged: readonly Charged[], now = Date.now()): Record<string, string> {
  const fields: string[] = [];
  pushRateLimitHeaders(fields, charged, now);
  const headers: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) headers[fields[i]!] = fields[i + 1]!;
  return headers;
}

/** rateLimitHeaders appended to a list of names and values as node's `writeHead` takes them (the hit path's form). */
export function pushRateLimitHeaders(fields: string[], charged: readonly Charged[], now = Date.now()): void {
  const minute = charged.find((c) => c.budget.name === 'minute');
  if (!minute) return;
  fields.push(
    'RateLimit-Policy',
    charged.map((c) => `"${c.budget.name}";q=${c.decision.limit};w=${Math.round(c.budget.windowMs / 1000)}`).join(', '),
    'RateLimit',
    charged.map((c) => `"${c.budget.name}";r=${c.decision.remaining};t=${secondsUntilFull(c, now)}`).join(', '),
    'X-RateLimit-Limit',
    String(minute.decision.limit),
    'X-RateLimit-Remaining',
    String(minute.decision.remaining),
    'X-RateLimit-Reset',
    String(secondsUntilFull(minute, now)),
  );
}

/** Shopify's `throttleStatus`, always for the minute budget; restoreRate in points per second. */
export function throttleStatus(charged: readonly Charged[]) {
  const minute = charged.find((c) => c.budget.name === 'minute');
  if (!minute) return null;
  return {
    maximumAvailable: minute.decision.limit,
    currentlyAvailable: minute.decision.remaining,
    restoreRate: Math.round(restoreRate(bucketOf(minute)) * 100) / 100,
  };
}

/** Seconds until the budget can afford `cost` (until it is full, when the cost is more than it holds). */
export function retryAfterSeconds(c: Charged, cost: number, now = Date.now()): number {
  return Math.max(1, seconds(msUntil(bucketOf(c), c.decision, cost, now)));
}
