import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga } from 'graphql-yoga';
import { createCache } from './cache/create-cache.ts';
import { boundedDocumentCaches } from './cache/document-cache.ts';
import { type Config, loadConfig } from './config/config.ts';
import type { Context } from './context.ts';
import { explanationCharger } from './explanations/charge.ts';
import { ExplanationWatcher } from './explanations/watcher.ts';
import { isAdminRequest } from './http/admin-auth.ts';
import { useAutomaticPersistedQueries } from './http/apq.ts';
import { useOriginPolicy } from './http/cors.ts';
import { getStartsNoJobs } from './http/csrf.ts';
import { Drain, useDrain } from './http/drain.ts';
import { useErrorCodes } from './http/error-codes-plugin.ts';
import { defaultQuery } from './http/graphiql-default.ts';
import { httpOptions } from './http/http-options.ts';
import { useJit } from './http/jit.ts';
import { useMetrics } from './http/metrics-plugin.ts';
import { useNoInternalErrors } from './http/no-internal-errors.ts';
import { useReadiness } from './http/readiness.ts';
import { securityPlugins } from './http/security.ts';
import { useSingleConnectionSse } from './http/sse-single-connection.ts';
import { useStaleMarker } from './http/stale-plugin.ts';
import { useSpecStatuses } from './http/statuses.ts';
import { useTrustedDocuments } from './http/trusted-documents.ts';
import { useVariablesLimit } from './http/variables-limit.ts';
import { requestIdOf } from './lib/request-id.ts';
import { createLoaders, newRequestStats } from './loaders/loaders.ts';
import { createEngine } from './modal/engine.ts';
import { createObservability } from './observability/create-observability.ts';
import { createLogger, type Log } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { useRequestLog } from './observability/request-log-plugin.ts';
import { yogaLogger } from './observability/yoga-logger.ts';
import { clientResolver, createRateLimits } from './ratelimit/create-rate-limits.ts';
import { useCostLimits } from './ratelimit/plugin.ts';
import { schema } from './schema/index.ts';

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
  const cache = createCache(config.cache, metrics, log, config.engine.staleAfterMs);
  const rateLimits = createRateLimits(config, metrics, log);
  const clientOf = clientResolver(config.rateLimit);
  const explanations = new ExplanationWatcher(engine.engine, cache, config.explanations.pollMs, log);
  // Shutdown state: server.ts begins and ends the drain; /ready and every answer follow it.
  const drain = new Drain();

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.graphiql ? { title: 'veo-bff', defaultQuery } : false,
    // Loaded on first use: the GraphiQL bundle keeps about 30 MB on the heap, for nothing where it is off.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    // Never the original error in an answer, development included: its stack is in the log (yoga.error).
    maskedErrors: { isDev: false },
    logging: yogaLogger(log),
    // Parsed (and compiled) documents and parse errors in at most 24 MB and 2 MB of heap: the memory budget.
    parserAndValidationCache: boundedDocumentCaches(24 * 1024 * 1024, 2 * 1024 * 1024),
    ...httpOptions(config.security),
    context: ({ request, ...serverContext }) => {
      const stats = newRequestStats();
      const client = clientOf(request, serverContext);
      const requestId = requestIdOf(request);
      // A GET may be sent by a page on another site (a simple request): it never starts a job (see csrf.ts).
      const explanationBudget = request.method === 'GET' ? getStartsNoJobs : explanationCharger(rateLimits, client);
      const loaders = createLoaders(engine.engine, cache, stats, { explanationBudget });
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
      // After the origin check; each operation it carries then goes through every plugin below.
      useSingleConnectionSse({ graphqlEndpoint: '/graphql', clientOf, drain, log }),
      useReadiness({ engine, cache, timeoutMs: config.observability.readyTimeoutMs, draining: () => drain.draining }),
      // Before anything walks the variables (cost, coercion, error reporting).
      useVariablesLimit(config.variables),
      useNoInternalErrors(),
      ...(errorReporting ? [errorReporting.plugin] : []),
      ...securityPlugins(config.security, config.maxFields),
      // Exclusive: only the manifest's operations run, or any document may be sent by its hash once registered.
      config.security.trustedDocuments
        ? useTrustedDocuments(config.security.trustedDocuments.manifest, config.adminToken)
        : useAutomaticPersistedQueries(config.security.apqMaxBytes),
      useMetrics(metrics, config, log),
      useErrorCodes(),
      useSpecStatuses(),
      useStaleMarker(),
      useCostLimits({ schema, limits: rateLimits, metrics, graphqlEndpoint: '/graphql', clientOf }),
      useDeferStream(),
      ...useJit(),
      // Last: it wraps the executor the plugins above chose.
      useDrain(drain),
    ],
  });

  return {
    yoga,
    fetch: yoga.fetch as (request: Request) => Promise<Response>,
    metrics,
    engine,
    cache,
    log,
    drain,
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
