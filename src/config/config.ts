import type { CacheKind } from '../cache/kinds.ts';
import { ANONYMOUS_TIER, parseApiKeys, type ApiKey } from '../ratelimit/clients.ts';
import { parseTiers, type TierLimits } from '../ratelimit/tiers.ts';
import { parseEnv } from './env.ts';
import { observabilityConfig, type ObservabilityConfig } from './observability-env.ts';
import { graphiqlEnabled, securityConfig, type SecurityConfig } from './security-env.ts';

export type EngineMode = 'auto' | 'local' | 'modal';

export interface Config {
  env: 'development' | 'production' | 'test';
  server: {
    host: string;
    port: number;
    /** Node's http.Server timeouts: a client slower than these is cut off. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    /** On SIGTERM, how long requests, @defer streams and subscriptions in flight get to finish. */
    shutdownDrainMs: number;
  };
  metrics: {
    /** /metrics answers only with `Authorization: Bearer <token>` when set. */
    token?: string;
    /** /metrics on its own listener, bound to 127.0.0.1, instead of the public port. */
    port?: number;
  };
  graphiql: boolean;
  engine: {
    mode: EngineMode;
    timeoutMs: number;
    retries: number;
    modal?: { url: string; proxyKey?: string; proxySecret?: string };
    /** An engine that is already running; when unset the server starts python/serve.py itself. */
    localUrl?: string;
    python: string;
    breaker: { failures: number; cooldownMs: number };
    /** An expired cache entry whose refresh has not answered within this is served stale meanwhile. */
    staleAfterMs: number;
  };
  cache: {
    prefix: string;
    upstash?: { url: string; token: string };
    ttlSeconds: Record<CacheKind, number>;
    staleSeconds: number;
    memoryTtlSeconds: number;
    memoryMaxBytes: number;
    redisTimeoutMs: number;
    redisRetryMs: number;
  };
  /** Guards the admin mutations; unset means they answer FORBIDDEN. */
  adminToken?: string;
  security: SecurityConfig;
  observability: ObservabilityConfig;
  explanations: {
    /** How long a deferred explanation field waits for its job before answering PENDING. */
    deferWaitMs: number;
    /** How often running jobs are polled, for @defer waits and subscriptions. */
    pollMs: number;
    /** Signs the explanation ids this server issues; `previous` is still accepted while secrets rotate. */
    idSecrets: { current: string; previous?: string };
  };
  /** Bounds on a request's variables, checked before anything walks them. */
  variables: { maxDepth: number; maxBytes: number };
  /** Fields after fragments are expanded (one per response key and path), checked at validation. */
  maxFields: number;
  rateLimit: {
    maxQueryCost: number;
    /** Budgets per tier; `anonymous` is every client without an API key, by IP. */
    tiers: Record<string, TierLimits>;
    windows: { minuteMs: number; dayMs: number; explanationsMs: number };
    apiKeys: ApiKey[];
    /** How many proxies in front of this server append to X-Forwarded-For; 0 trusts none. */
    trustProxyHops: number;
    /** Take the client address from this platform's own headers (Vercel's x-real-ip). */
    platformHeaders?: 'vercel';
    /** While the shared store is away, the share of its budget a client this instance has not seen gets. */
    degradedFraction: number;
    /** `rateLimit` calls a client may make a minute while its budget is spent (they cost nothing). */
    infoPerMinute: number;
    timeoutMs: number;
    retryMs: number;
  };
}

/** Outside production only: explanation ids stay valid across restarts without any setting. */
const DEVELOPMENT_ID_SECRET = 'veo-development-explanation-ids';

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = parseEnv(source);
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    // Listen on every interface in production (containers); only on loopback on a laptop.
    server: {
      host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
      port: env.PORT,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    },
    metrics: { token: env.METRICS_TOKEN, port: env.METRICS_PORT },
    graphiql: graphiqlEnabled(env),
    engine: {
      mode: env.ENGINE_MODE,
      timeoutMs: env.ENGINE_TIMEOUT_MS,
      retries: env.ENGINE_RETRIES,
      modal: env.MODAL_ENDPOINT_URL
        ? { url: env.MODAL_ENDPOINT_URL, proxyKey: env.MODAL_PROXY_KEY, proxySecret: env.MODAL_PROXY_SECRET }
        : undefined,
      localUrl: env.LOCAL_ENGINE_URL,
      python: env.PYTHON ?? 'python3',
      breaker: { failures: env.ENGINE_BREAKER_FAILURES, cooldownMs: env.ENGINE_BREAKER_COOLDOWN_MS },
      staleAfterMs: env.ENGINE_STALE_AFTER_MS,
    },
    cache: {
      prefix: env.CACHE_PREFIX,
      upstash:
        env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
          ? { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN }
          : undefined,
      ttlSeconds: {
        area: env.CACHE_TTL_AREA,
        commute: env.CACHE_TTL_COMMUTE,
        crime: env.CACHE_TTL_CRIME,
        schools: env.CACHE_TTL_SCHOOLS,
        station: env.CACHE_TTL_STATION,
        recommendation: env.CACHE_TTL_RECOMMENDATION,
        explanation: env.CACHE_TTL_EXPLANATION,
        persona: env.CACHE_TTL_PERSONA,
      },
      staleSeconds: env.CACHE_STALE_SECONDS,
      memoryTtlSeconds: env.CACHE_MEMORY_TTL_SECONDS,
      memoryMaxBytes: env.CACHE_MEMORY_MAX_MB * 1024 * 1024,
      redisTimeoutMs: env.CACHE_REDIS_TIMEOUT_MS,
      redisRetryMs: env.CACHE_REDIS_RETRY_MS,
    },
    adminToken: env.ADMIN_TOKEN,
    security: securityConfig(env),
    observability: observabilityConfig(env),
    explanations: {
      deferWaitMs: env.EXPLANATION_DEFER_WAIT_MS,
      pollMs: env.EXPLANATION_POLL_MS,
      // Production requires a secret (env.ts); elsewhere a fixed one keeps ids valid across restarts.
      idSecrets: { current: env.EXPLANATION_ID_SECRET ?? DEVELOPMENT_ID_SECRET, previous: env.EXPLANATION_ID_SECRET_PREVIOUS },
    },
    variables: { maxDepth: env.MAX_VARIABLES_DEPTH, maxBytes: env.MAX_VARIABLES_BYTES },
    maxFields: env.MAX_FIELDS,
    rateLimit: {
      maxQueryCost: env.MAX_QUERY_COST,
      tiers: {
        [ANONYMOUS_TIER]: {
          perMinute: env.RATE_LIMIT_POINTS_PER_MINUTE,
          perDay: env.RATE_LIMIT_POINTS_PER_DAY,
          explanationsPerHour: env.EXPLANATIONS_PER_HOUR,
        },
        ...parseTiers(env.RATE_LIMIT_TIERS),
      },
      windows: { minuteMs: env.RATE_LIMIT_WINDOW_MS, dayMs: env.RATE_LIMIT_DAY_WINDOW_MS, explanationsMs: env.EXPLANATIONS_WINDOW_MS },
      apiKeys: parseApiKeys(env.API_KEYS),
      trustProxyHops: env.TRUST_PROXY === 'false' ? 0 : Number(env.TRUST_PROXY), // 0 trusts none, like false
      platformHeaders: env.TRUST_PLATFORM_HEADERS,
      degradedFraction: env.RATE_LIMIT_DEGRADED_FRACTION,
      infoPerMinute: env.RATE_LIMIT_INFO_PER_MINUTE,
      timeoutMs: env.RATE_LIMIT_TIMEOUT_MS,
      retryMs: env.RATE_LIMIT_RETRY_MS,
    },
  };
}
