import { z } from 'zod';
import { entries, fraction, int, problem } from './fields.ts';

// Query cost, budgets per tier, API keys and client identity: their variables, the check between them, and
// the part of the configuration they make. API keys are secrets: a message names a key, never shows it.

/** Every client without an API key, charged by IP. */
export const ANONYMOUS_TIER = 'anonymous';

interface TierLimits {
  perMinute: number;
  perDay: number;
  explanationsPerHour: number;
}

export interface ApiKey {
  name: string;
  key: string;
  tier: string;
}

/** `name:perMinute:perDay:explanationsPerHour` entries separated by commas. */
const tiers = z
  .string()
  .default('standard:30000:2000000:30,partner:120000:10000000:100,internal:1000000:100000000:10000')
  .transform((text, ctx) => {
    const parsed: Record<string, TierLimits> = {};
    for (const entry of entries(text)) {
      const [name, ...numbers] = entry.split(':');
      const [perMinute, perDay, explanationsPerHour] = numbers.map(Number);
      if (!name || numbers.length !== 3 || ![perMinute, perDay, explanationsPerHour].every((n) => Number.isInteger(n) && n! > 0)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is not name:perMinute:perDay:explanationsPerHour with positive whole numbers`,
        });
        return z.NEVER;
      }
      parsed[name] = { perMinute: perMinute!, perDay: perDay!, explanationsPerHour: explanationsPerHour! };
    }
    return parsed;
  });

/** `name:key:tier` entries separated by commas. */
const apiKeys = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const parsed: ApiKey[] = [];
    for (const [index, entry] of entries(text).entries()) {
      const [name, key, tier] = entry.split(':');
      if (!name || !key || !tier) {
        // Without a colon the entry may be the key itself: then only its place in the list is named.
        const which = entry.includes(':') ? `"${name}:…"` : `entry ${index + 1}`;
        ctx.addIssue({ code: 'custom', message: `${which} is not name:key:tier` });
        return z.NEVER;
      }
      parsed.push({ name, key, tier });
    }
    return parsed;
  });

/** false, or how many proxies in front of this server append to X-Forwarded-For (counted from the right). */
const proxyHops = z
  .string()
  .regex(/^(false|[0-9])$/, {
    error:
      'must be false or the number of proxies in front of this server (1 behind one load balancer); true is refused because the first X-Forwarded-For entry is written by the client',
  })
  .default('false')
  .transform((value) => (value === 'false' ? 0 : Number(value)));

export const rateLimitEnv = z.object({
  MAX_QUERY_COST: int(3000, 1, 1_000_000),
  RATE_LIMIT_POINTS_PER_MINUTE: int(6000, 1, 100_000_000),
  RATE_LIMIT_POINTS_PER_DAY: int(200_000, 1, 1_000_000_000),
  EXPLANATIONS_PER_HOUR: int(10, 1, 1_000_000),
  RATE_LIMIT_TIERS: tiers,
  RATE_LIMIT_WINDOW_MS: int(60_000, 100, 3_600_000),
  RATE_LIMIT_DAY_WINDOW_MS: int(86_400_000, 100, 7 * 86_400_000),
  EXPLANATIONS_WINDOW_MS: int(3_600_000, 100, 7 * 86_400_000),
  RATE_LIMIT_TIMEOUT_MS: int(300, 10, 30_000),
  RATE_LIMIT_RETRY_MS: int(2_000, 10, 600_000),
  API_KEYS: apiKeys,
  TRUST_PROXY: proxyHops,
  TRUST_PLATFORM_HEADERS: z.enum(['vercel']).optional(),
  RATE_LIMIT_DEGRADED_FRACTION: fraction(0.25),
  RATE_LIMIT_INFO_PER_MINUTE: int(60, 1, 100_000),
});

type RateLimitEnv = z.output<typeof rateLimitEnv>;

/** Needs RATE_LIMIT_TIERS and API_KEYS parsed: run only when no variable failed to parse. */
export function checkApiKeyTiers(env: RateLimitEnv, ctx: z.RefinementCtx) {
  for (const { name, tier } of env.API_KEYS) {
    if (tier !== ANONYMOUS_TIER && !(tier in env.RATE_LIMIT_TIERS)) {
      problem(ctx, 'API_KEYS', `key "${name}" has tier "${tier}", which RATE_LIMIT_TIERS does not define`);
    }
  }
}

export function rateLimitConfig(env: RateLimitEnv) {
  const anonymous: TierLimits = {
    perMinute: env.RATE_LIMIT_POINTS_PER_MINUTE,
    perDay: env.RATE_LIMIT_POINTS_PER_DAY,
    explanationsPerHour: env.EXPLANATIONS_PER_HOUR,
  };
  const tiers: Record<string, TierLimits> = { [ANONYMOUS_TIER]: anonymous, ...env.RATE_LIMIT_TIERS };
  return {
    maxQueryCost: env.MAX_QUERY_COST,
    /** Budgets per tier; `anonymous` is every client without an API key, by IP. */
    tiers,
    windows: { minuteMs: env.RATE_LIMIT_WINDOW_MS, dayMs: env.RATE_LIMIT_DAY_WINDOW_MS, explanationsMs: env.EXPLANATIONS_WINDOW_MS },
    apiKeys: env.API_KEYS,
    /** How many proxies in front of this server append to X-Forwarded-For; 0 trusts none. */
    trustProxyHops: env.TRUST_PROXY,
    /** Take the client address from this platform's own headers (Vercel's x-real-ip). */
    platformHeaders: env.TRUST_PLATFORM_HEADERS,
    /** While the shared store is away, the share of its budget a client this instance has not seen gets. */
    degradedFraction: env.RATE_LIMIT_DEGRADED_FRACTION,
    /** `rateLimit` calls a client may make a minute while its budget is spent (they cost nothing). */
    infoPerMinute: env.RATE_LIMIT_INFO_PER_MINUTE,
    timeoutMs: env.RATE_LIMIT_TIMEOUT_MS,
    retryMs: env.RATE_LIMIT_RETRY_MS,
  };
}
