import { z } from 'zod';
import { ANONYMOUS_TIER, parseApiKeys } from '../ratelimit/clients.ts';
import { parseTiers } from '../ratelimit/tiers.ts';
import { observabilityEnv, observabilityProblems } from './observability-env.ts';
import { securityEnv, securityProblems } from './security-env.ts';

// Environment variables arrive as strings; an empty string means "unset" (as in a .env file with `X=`).
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
const int = (fallback: number, min: number, max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).max(max).default(fallback));

const envSchema = z.object({
  NODE_ENV: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['development', 'production', 'test']).default('development')),
  HOST: optionalString,
  PORT: int(4000, 0, 65535),
  ENGINE_MODE: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['auto', 'local', 'modal']).default('auto')),
  MODAL_ENDPOINT_URL: optionalUrl,
  MODAL_PROXY_KEY: optionalString,
  MODAL_PROXY_SECRET: optionalString,
  LOCAL_ENGINE_URL: optionalUrl,
  ENGINE_TIMEOUT_MS: int(10_000, 100, 120_000),
  ENGINE_RETRIES: int(2, 0, 5),
  ENGINE_BREAKER_FAILURES: int(3, 1, 100),
  ENGINE_BREAKER_COOLDOWN_MS: int(30_000, 100, 3_600_000),
  PYTHON: optionalString,
  UPSTASH_REDIS_REST_URL: optionalUrl,
  UPSTASH_REDIS_REST_TOKEN: optionalString,
  CACHE_TTL_AREA: int(24 * 3600, 1, 365 * 24 * 3600),
  CACHE_TTL_COMMUTE: int(7 * 24 * 3600, 1, 365 * 24 * 3600),
  CACHE_TTL_CRIME: int(30 * 24 * 3600, 1, 365 * 24 * 3600),
  CACHE_TTL_SCHOOLS: int(90 * 24 * 3600, 1, 365 * 24 * 3600),
  CACHE_TTL_STATION: int(7 * 24 * 3600, 1, 365 * 24 * 3600),
  CACHE_TTL_RECOMMENDATION: int(3600, 1, 365 * 24 * 3600),
  CACHE_TTL_EXPLANATION: int(3600, 1, 365 * 24 * 3600),
  CACHE_TTL_PERSONA: int(24 * 3600, 1, 365 * 24 * 3600),
  CACHE_STALE_SECONDS: int(7 * 24 * 3600, 0, 365 * 24 * 3600),
  CACHE_MEMORY_TTL_SECONDS: int(5, 1, 3600),
  CACHE_MEMORY_MAX_MB: int(16, 1, 4096),
  CACHE_REDIS_TIMEOUT_MS: int(500, 10, 30_000),
  CACHE_REDIS_RETRY_MS: int(2_000, 10, 600_000),
  CACHE_PREFIX: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/).default('veo')),
  ADMIN_TOKEN: optionalString,
  MAX_QUERY_COST: int(3000, 1, 1_000_000),
  RATE_LIMIT_POINTS_PER_MINUTE: int(6000, 1, 100_000_000),
  RATE_LIMIT_POINTS_PER_DAY: int(200_000, 1, 1_000_000_000),
  EXPLANATIONS_PER_HOUR: int(10, 1, 1_000_000),
  RATE_LIMIT_TIERS: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().default('standard:30000:2000000:30,partner:120000:10000000:100,internal:1000000:100000000:10000'),
  ),
  RATE_LIMIT_WINDOW_MS: int(60_000, 100, 3_600_000),
  RATE_LIMIT_DAY_WINDOW_MS: int(86_400_000, 100, 7 * 86_400_000),
  EXPLANATIONS_WINDOW_MS: int(3_600_000, 100, 7 * 86_400_000),
  RATE_LIMIT_TIMEOUT_MS: int(300, 10, 30_000),
  RATE_LIMIT_RETRY_MS: int(2_000, 10, 600_000),
  API_KEYS: optionalString,
  EXPLANATION_DEFER_WAIT_MS: int(8_000, 0, 120_000),
  EXPLANATION_POLL_MS: int(100, 10, 10_000),
  // false, or how many proxies in front of this server append to X-Forwarded-For (counted from the right).
  TRUST_PROXY: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .default('false')
      .refine((v) => v === 'false' || /^[0-9]$/.test(v), {
        error: 'must be false or the number of proxies in front of this server (1 behind one load balancer); true is refused because the first X-Forwarded-For entry is written by the client',
      }),
  ),
  TRUST_PLATFORM_HEADERS: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['vercel']).optional()),
  RATE_LIMIT_DEGRADED_FRACTION: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0).max(1).default(0.25)),
  RATE_LIMIT_INFO_PER_MINUTE: int(60, 1, 100_000),
  EXPLANATION_ID_SECRET: optionalString,
  EXPLANATION_ID_SECRET_PREVIOUS: optionalString,
  ENGINE_STALE_AFTER_MS: int(400, 10, 120_000),
  MAX_FIELDS: int(1_000, 10, 100_000),
  MAX_VARIABLES_DEPTH: int(16, 1, 1_000),
  MAX_VARIABLES_BYTES: int(50_000, 100, 10_000_000),
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000, 100, 600_000),
  SHUTDOWN_DRAIN_MS: int(10_000, 0, 600_000),
  METRICS_TOKEN: optionalString,
  METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  ...securityEnv,
  ...observabilityEnv,
});

export type RawEnv = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the whole environment at once, so every problem is reported together. */
export function parseEnv(source: Record<string, string | undefined> = process.env): RawEnv {
  const result = envSchema.safeParse(source);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (result.success) problems.push(...crossFieldProblems(result.data));
  problems.push(...secretProblems(source), ...securityProblems(source), ...observabilityProblems(source));
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data!;
}

/** Checks on the raw strings, so they are listed even when another variable fails to parse. */
function secretProblems(source: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const name of ['EXPLANATION_ID_SECRET', 'EXPLANATION_ID_SECRET_PREVIOUS', 'METRICS_TOKEN'] as const) {
    const value = source[name];
    if (value && value.length < 16) problems.push(`${name}: must be at least 16 characters`);
  }
  if (source.NODE_ENV === 'production' && !source.EXPLANATION_ID_SECRET) {
    problems.push('EXPLANATION_ID_SECRET: required in production (16+ random characters; it signs the explanation ids this server issues)');
  }
  return problems;
}

function crossFieldProblems(env: RawEnv): string[] {
  const problems: string[] = [];
  if (env.ENGINE_MODE === 'modal' && !env.MODAL_ENDPOINT_URL) {
    problems.push('MODAL_ENDPOINT_URL: required when ENGINE_MODE=modal');
  }
  if (env.MODAL_ENDPOINT_URL && Boolean(env.MODAL_PROXY_KEY) !== Boolean(env.MODAL_PROXY_SECRET)) {
    problems.push('MODAL_PROXY_KEY / MODAL_PROXY_SECRET: set both or neither');
  }
  if (Boolean(env.UPSTASH_REDIS_REST_URL) !== Boolean(env.UPSTASH_REDIS_REST_TOKEN)) {
    problems.push('UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN: set both or neither');
  }
  if (env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN.length < 16) {
    problems.push('ADMIN_TOKEN: must be at least 16 characters');
  }
  problems.push(...rateLimitProblems(env));
  return problems;
}

function rateLimitProblems(env: RawEnv): string[] {
  let tiers: Record<string, unknown> = {};
  try {
    tiers = parseTiers(env.RATE_LIMIT_TIERS);
  } catch (error) {
    return [`RATE_LIMIT_TIERS: ${(error as Error).message}`];
  }
  try {
    const unknown = parseApiKeys(env.API_KEYS).filter((k) => k.tier !== ANONYMOUS_TIER && !(k.tier in tiers));
    return unknown.map((k) => `API_KEYS: key "${k.name}" has tier "${k.tier}", which RATE_LIMIT_TIERS does not define`);
  } catch (error) {
    // The message names the key but never shows it: keys are secrets.
    return [`API_KEYS: ${(error as Error).message}`];
  }
}
