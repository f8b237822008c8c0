import { z } from 'zod';
import { type CacheKind, cacheKindPolicies, cacheKinds } from './cache-kinds.ts';
import { int, problem, secret } from './fields.ts';

// The server, engine, cache and explanation settings: their variables and the checks between them. The
// security, observability and rate-limit settings have files of their own; config.ts puts them together.

const YEAR = 365 * 24 * 3600;

/** The paths the server answers besides GraphQL's (readiness, metrics): GRAPHQL_PATH may not take one. */
const OWN_PATHS = ['/health', '/ready', '/metrics'];

/** Where GraphQL (and GraphiQL) is served: `/graphql` by `npm start`, `/api/graphql` by a Next.js route. */
const graphqlPath = z
  .string()
  .max(100)
  .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path such as /graphql or /api/graphql: no query, fragment or trailing slash')
  .refine((path) => !OWN_PATHS.includes(path), `must not be one of the server's own paths (${OWN_PATHS.join(', ')})`)
  .default('/graphql');

type TtlVariable = (typeof cacheKindPolicies)[CacheKind]['variable'];

/** One TTL variable per cache kind, named and defaulted by the kind's row in cache-kinds.ts. */
const cacheTtlEnv = Object.fromEntries(
  cacheKinds.map((kind) => [cacheKindPolicies[kind].variable, int(cacheKindPolicies[kind].ttlSeconds, 1, YEAR)]),
) as Record<TtlVariable, ReturnType<typeof int>>;

export const serverEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().optional(),
  PORT: int(4000, 0, 65535),
  GRAPHQL_PATH: graphqlPath,
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 100, 600_000),
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5_000, 100, 600_000),
  SHUTDOWN_DRAIN_MS: int(10_000, 0, 600_000),
  METRICS_TOKEN: secret,
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ENGINE_MODE: z.enum(['auto', 'local', 'modal']).default('auto'),
  MODAL_ENDPOINT_URL: z.url().optional(),
  MODAL_PROXY_KEY: z.string().optional(),
  MODAL_PROXY_SECRET: z.string().optional(),
  LOCAL_ENGINE_URL: z.url().optional(),
  ENGINE_TIMEOUT_MS: int(10_000, 100, 120_000),
  ENGINE_RETRIES: int(2, 0, 5),
  ENGINE_BREAKER_FAILURES: int(3, 1, 100),
  ENGINE_BREAKER_COOLDOWN_MS: int(30_000, 100, 3_600_000),
  ENGINE_STALE_AFTER_MS: int(400, 10, 120_000),
  PYTHON: z.string().default('python3'),
  UPSTASH_REDIS_REST_URL: z.url().optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
  CACHE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,40}$/)
    .default('veo'),
  ...cacheTtlEnv,
  CACHE_STALE_SECONDS: int(7 * 24 * 3600, 0, YEAR),
  CACHE_MEMORY_TTL_SECONDS: int(5, 1, 3600),
  CACHE_MEMORY_MAX_MB: int(16, 1, 4096),
  CACHE_REDIS_TIMEOUT_MS: int(500, 10, 30_000),
  CACHE_REDIS_RETRY_MS: int(2_000, 10, 600_000),
  ADMIN_TOKEN: secret,
  EXPLANATION_DEFER_WAIT_MS: int(8_000, 0, 120_000),
  EXPLANATION_POLL_MS: int(100, 10, 10_000),
  EXPLANATION_ID_SECRET: secret,
  EXPLANATION_ID_SECRET_PREVIOUS: secret,
  MAX_FIELDS: int(1_000, 10, 100_000),
  MAX_VARIABLES_DEPTH: int(16, 1, 1_000),
  MAX_VARIABLES_BYTES: int(50_000, 100, 10_000_000),
});

type ServerEnv = z.output<typeof serverEnv>;

/** Reads only whether values are set, so it holds even when one of them failed to parse. */
export function checkServer(env: ServerEnv, ctx: z.RefinementCtx) {
  if (env.ENGINE_MODE === 'modal' && !env.MODAL_ENDPOINT_URL) problem(ctx, 'MODAL_ENDPOINT_URL', 'required when ENGINE_MODE=modal');
  if (env.MODAL_ENDPOINT_URL && Boolean(env.MODAL_PROXY_KEY) !== Boolean(env.MODAL_PROXY_SECRET)) {
    problem(ctx, 'MODAL_PROXY_KEY / MODAL_PROXY_SECRET', 'set both or neither');
  }
  if (Boolean(env.UPSTASH_REDIS_REST_URL) !== Boolean(env.UPSTASH_REDIS_REST_TOKEN)) {
    problem(ctx, 'UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN', 'set both or neither');
  }
  if (env.NODE_ENV === 'production' && !env.EXPLANATION_ID_SECRET) {
    problem(
      ctx,
      'EXPLANATION_ID_SECRET',
      'required in production (16+ random characters; it signs the explanation ids this server issues)',
    );
  }
}

/** Each kind's TTL in seconds, from its variable. */
export function cacheTtls(env: ServerEnv): Record<CacheKind, number> {
  return Object.fromEntries(cacheKinds.map((kind) => [kind, env[cacheKindPolicies[kind].variable]])) as Record<CacheKind, number>;
}
