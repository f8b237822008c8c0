import { z } from 'zod';
import { cacheTtls, checkServer, serverEnv } from './env.ts';
import { checkObservability, observabilityConfig, observabilityEnv } from './observability-env.ts';
import { checkApiKeyTiers, rateLimitConfig, rateLimitEnv } from './rate-limit-env.ts';
import { responseCacheConfig, responseCacheEnv } from './response-cache-env.ts';
import { checkSecurity, demoPageEnabled, graphiqlEnabled, securityConfig, securityEnv, type TrustedManifest } from './security-env.ts';
import { checkServerless } from './serverless-env.ts';

/** Outside production only: explanation ids stay valid across restarts without any setting. */
const DEVELOPMENT_ID_SECRET = 'veo-development-explanation-ids';

/** Blank means unset, as in a .env file with `X=`: such a variable is dropped before any is read. */
function blankMeansUnset(source: unknown): unknown {
  return Object.fromEntries(Object.entries(source as Record<string, string | undefined>).filter(([, value]) => value !== ''));
}

export interface ConfigOptions {
  /** Set by the serverless entry: the engine must be Modal's, and the trusted documents are the manifest given. */
  serverless?: { manifest: TrustedManifest };
}

/**
 * The environment, parsed in one pass into the configuration: every variable, then the checks between
 * variables, then the shape the server reads. Every problem is reported together (see ConfigError).
 */
const configSchema = ({ serverless }: ConfigOptions) =>
  z
    .preprocess(
      blankMeansUnset,
      z.object({ ...serverEnv.shape, ...securityEnv.shape, ...observabilityEnv.shape, ...rateLimitEnv.shape, ...responseCacheEnv.shape }),
    )
    // Run even when a variable failed to parse, so their problems are listed with its own.
    .superRefine(
      (env, ctx) => {
        checkServer(env, ctx);
        checkSecurity(env, ctx, serverless?.manifest);
        checkObservability(env, ctx);
        if (serverless) checkServerless(env, ctx);
      },
      { when: () => true },
    )
    .superRefine(checkApiKeyTiers)
    .transform((env) => {
      const production = env.NODE_ENV === 'production';
      return {
        env: env.NODE_ENV,
        server: {
          // Listen on every interface in production (containers); only on loopback on a laptop.
          host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
          port: env.PORT,
          /** Node's http.Server timeouts: a client slower than these is cut off. */
          headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
          requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
          keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
          /** On SIGTERM, how long requests, @defer streams and subscriptions in flight get to finish. */
          shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
        },
        metrics: {
          /** /metrics answers only with `Authorization: Bearer <token>` when set. */
          token: env.METRICS_TOKEN,
          /** /metrics on its own listener, bound to 127.0.0.1, instead of the public port. */
          port: env.METRICS_PORT,
        },
        /** Where GraphQL and GraphiQL are served. */
        graphqlPath: env.GRAPHQL_PATH,
        graphiql: graphiqlEnabled(env),
        /** The dashboard page at `/` (src/http/demo-page.ts), built into dist/demo by `npm run build`. */
        demoPage: demoPageEnabled(env),
        engine: {
          mode: env.ENGINE_MODE,
          timeoutMs: env.ENGINE_TIMEOUT_MS,
          retries: env.ENGINE_RETRIES,
          modal: env.MODAL_ENDPOINT_URL
            ? { url: env.MODAL_ENDPOINT_URL, proxyKey: env.MODAL_PROXY_KEY, proxySecret: env.MODAL_PROXY_SECRET }
            : undefined,
          /** An engine that is already running; when unset the server starts python/serve.py itself. */
          localUrl: env.LOCAL_ENGINE_URL,
          python: env.PYTHON,
          breaker: { failures: env.ENGINE_BREAKER_FAILURES, cooldownMs: env.ENGINE_BREAKER_COOLDOWN_MS },
          /** An expired cache entry whose refresh has not answered within this is served stale meanwhile. */
          staleAfterMs: env.ENGINE_STALE_AFTER_MS,
        },
        cache: {
          prefix: env.CACHE_PREFIX,
          upstash:
            env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
              ? { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN }
              : undefined,
          ttlSeconds: cacheTtls(env),
          staleSeconds: env.CACHE_STALE_SECONDS,
          memoryTtlSeconds: env.CACHE_MEMORY_TTL_SECONDS,
          memoryMaxBytes: env.CACHE_MEMORY_MAX_MB * 1024 * 1024,
          redisTimeoutMs: env.CACHE_REDIS_TIMEOUT_MS,
          redisRetryMs: env.CACHE_REDIS_RETRY_MS,
        },
        /** Whole answers, after pricing and before execution (src/http/response-cache.ts). */
        responseCache: responseCacheConfig(env),
        /** Guards the admin mutations; unset means they answer FORBIDDEN. */
        adminToken: env.ADMIN_TOKEN,
        security: securityConfig(env, serverless?.manifest),
        observability: observabilityConfig(env),
        explanations: {
          /** How long a deferred explanation field waits for its job before answering PENDING. */
          deferWaitMs: env.EXPLANATION_DEFER_WAIT_MS,
          /** How often running jobs are polled, for @defer waits and subscriptions. */
          pollMs: env.EXPLANATION_POLL_MS,
          /** Signs the explanation ids this server issues; `previous` is still accepted while secrets rotate. */
          idSecrets: { current: env.EXPLANATION_ID_SECRET ?? DEVELOPMENT_ID_SECRET, previous: env.EXPLANATION_ID_SECRET_PREVIOUS },
        },
        /** Bounds on a request's variables, checked before anything walks them. */
        variables: { maxDepth: env.MAX_VARIABLES_DEPTH, maxBytes: env.MAX_VARIABLES_BYTES },
        /** Fields after fragments are expanded (one per response key and path), checked at validation. */
        maxFields: env.MAX_FIELDS,
        rateLimit: rateLimitConfig(env),
      };
    });

export type Config = z.output<ReturnType<typeof configSchema>>;

/** Every problem of the environment at once: a variable's name and what is wrong, never its value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env, options: ConfigOptions = {}): Config {
  const result = configSchema(options).safeParse(source);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  return result.data;
}
