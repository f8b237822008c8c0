import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga } from 'graphql-yoga';
import { loadConfig, type Config } from './config/config.ts';
import type { Context } from './context.ts';
import { useErrorCodes } from './http/error-codes-plugin.ts';
import { isAdminRequest } from './http/admin-auth.ts';
import { useJit } from './http/jit.ts';
import { useMetrics } from './http/metrics-plugin.ts';
import { useStaleMarker } from './http/stale-plugin.ts';
import { createCache } from './cache/create-cache.ts';
import { createLoaders, newRequestStats } from './loaders/loaders.ts';
import { explanationCharger } from './explanations/charge.ts';
import { ExplanationWatcher } from './explanations/watcher.ts';
import { clientResolver, createRateLimits } from './ratelimit/create-rate-limits.ts';
import { useCostLimits } from './ratelimit/plugin.ts';
import { createEngine } from './modal/engine.ts';
import { createLogger, type Log } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { schema } from './schema/index.ts';
import { defaultQuery } from './http/graphiql-default.ts';
import { useOriginPolicy } from './http/cors.ts';
import { httpOptions } from './http/http-options.ts';
import { useReadiness } from './http/readiness.ts';
import { requestIdOf } from './http/request-id.ts';
import { securityPlugins } from './http/security.ts';
import { useTrustedDocuments } from './http/trusted-documents.ts';
import { createObservability } from './observability/create-observability.ts';
import { useRequestLog } from './observability/request-log-plugin.ts';
import { yogaLogger } from './observability/yoga-logger.ts';

export interface AppOptions {
  log?: Log;
}

/**
 * Builds the whole server without listening, so tests call `app.fetch` or mount it on any HTTP server, and a
 * serverless route handler can export `app.fetch` as it is.
 */
export function createApp(config: Config, options: AppOptions = {}) {
  const observability = createObservability(config, options.log ?? createLogger());
  const { log, errorReporting } = observability;
  const metrics = createMetrics();
  const engine = createEngine(config.engine, (endpoint) => metrics.engineRequests.inc({ endpoint }), log);
  const cache = createCache(config.cache, metrics, log);
  const rateLimits = createRateLimits(config, metrics, log);
  const clientOf = clientResolver(config.rateLimit);
  const explanations = new ExplanationWatcher(engine.engine, cache, config.explanations.pollMs, log);

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.graphiql ? { title: 'veo-bff', defaultQuery } : false,
    renderGraphiQL,
    maskedErrors: { isDev: config.env === 'development' },
    logging: yogaLogger(log),
    ...httpOptions(config.security),
    context: ({ request, ...serverContext }) => {
      const stats = newRequestStats();
      const client = clientOf(request, serverContext);
      const requestId = requestIdOf(request);
      const loaders = createLoaders(engine.engine, cache, stats, { chargeExplanations: explanationCharger(rateLimits, client) });
      return {
        loaders,
        stats,
        cache,
        engine,
        config,
        client,
        rateLimits,
        requestId,
        explanations,
        // Checked only when an admin field asks, not on every request.
        get admin() {
          return isAdminRequest(request, config.adminToken);
        },
      };
    },
    plugins: [
      // First, so they see every request, including those refused by the plugins after them.
      useRequestLog({ log, clientOf }),
      useOriginPolicy(config.security),
      useReadiness({ engine, cache, timeoutMs: config.observability.readyTimeoutMs }),
      ...(errorReporting ? [errorReporting.plugin] : []),
      ...securityPlugins(config.security),
      ...(config.security.trustedDocuments ? [useTrustedDocuments(config.security.trustedDocuments.manifest, config.adminToken)] : []),
      useMetrics(metrics),
      useErrorCodes(),
      useStaleMarker(),
      useCostLimits({ schema, limits: rateLimits, metrics, graphqlEndpoint: '/graphql', clientOf }),
      useDeferStream(),
      ...useJit(),
    ],
  });

  return {
    yoga,
    fetch: yoga.fetch as (request: Request) => Promise<Response>,
    metrics,
    engine,
    cache,
    log,
    /** Sends the queued log lines and error events, waiting at most `timeoutMs`. */
    flush: observability.flush,
    async close() {
      await engine.close();
      await observability.flush(5_000);
    },
  };
}

export type App = ReturnType<typeof createApp>;

let shared: App | undefined;

/**
 * The server as one fetch handler, for serverless platforms. In a Next.js route handler
 * (`app/api/graphql/route.ts`): `export { handleRequest as GET, handleRequest as POST } from 'veo-bff/src/yoga.ts'`,
 * with ENGINE_MODE=modal and the Modal settings in the environment. Built on first use, then reused.
 */
export async function handleRequest(request: Request, platform?: ServerlessPlatform): Promise<Response> {
  shared ??= createApp(loadConfig());
  const response = await shared.fetch(request);
  // A platform may freeze the function once it has answered, losing what is still queued for Axiom and
  // Sentry. Where it offers `waitUntil` (Vercel Edge, Cloudflare) the flush runs after the answer; elsewhere
  // the answer waits for it: one ingest round trip when Axiom or Sentry is set (nothing otherwise), capped.
  const flushed = shared.flush(SERVERLESS_FLUSH_MS);
  if (typeof platform?.waitUntil === 'function') platform.waitUntil(flushed);
  else await flushed;
  return response;
}

/** What some serverless platforms pass beside the request. */
export interface ServerlessPlatform {
  waitUntil?: (promise: Promise<unknown>) => void;
}

const SERVERLESS_FLUSH_MS = 1_000;
