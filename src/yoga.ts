import type { IncomingMessage, ServerResponse } from 'node:http';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createYoga } from 'graphql-yoga';
import { createCache } from './cache/create-cache.ts';
import { boundedDocumentCaches } from './cache/document-cache.ts';
import { createResponseCache } from './cache/response-cache.ts';
import { watchDataVersion } from './cache/response-data-version.ts';
import type { Config } from './config/config.ts';
import type { Context } from './context.ts';
import { explanationCharger } from './explanations/charge.ts';
import { ExplanationWatcher } from './explanations/watcher.ts';
import { isAdminRequest } from './http/admin-auth.ts';
import { useAutomaticPersistedQueries } from './http/apq.ts';
import { DocumentStore } from './http/apq-store.ts';
import { useCompression } from './http/compression.ts';
import { useOriginPolicy } from './http/cors.ts';
import { getStartsNoJobs } from './http/csrf.ts';
import { useDemoPage } from './http/demo-page.ts';
import { Drain, useDrain } from './http/drain.ts';
import { useCodedHttpRefusals, useErrorCodes } from './http/error-codes-plugin.ts';
import { useErrorMetrics } from './http/error-metrics.ts';
import { useDetachedErrorStacks } from './http/error-stacks.ts';
import { defaultQuery } from './http/graphiql-default.ts';
import { useGraphiQLPage } from './http/graphiql-page.ts';
import { renderGraphiQLPage } from './http/graphiql-render.ts';
import { useHandedOverRuns } from './http/hit-path/handover.ts';
import { HitPath } from './http/hit-path/hit-path.ts';
import { useHitPathRecorder } from './http/hit-path/record-plugin.ts';
import { useHttpCache } from './http/http-cache.ts';
import { httpOptions } from './http/http-options.ts';
import { useJit } from './http/jit.ts';
import { useMetrics } from './http/metrics-plugin.ts';
import { useNoInternalErrors } from './http/no-internal-errors.ts';
import { useLiveness, useReadiness } from './http/readiness.ts';
import { refuseUnbuildableUrls } from './http/request-target.ts';
import { useResponseCache } from './http/response-cache.ts';
import { securityPlugins } from './http/security.ts';
import { useSingleConnectionSse } from './http/sse-single-connection.ts';
import { useStaleMarker } from './http/stale-plugin.ts';
import { useSpecStatuses } from './http/statuses.ts';
import { useTrustedDocuments } from './http/trusted-documents.ts';
import { useVariablesLimit } from './http/variables-limit.ts';
import { projectPath } from './lib/project-root.ts';
import { requestIdOf } from './lib/request-id.ts';
import { createLoaders, newRequestStats } from './loaders/loaders.ts';
import { createEngine } from './modal/engine.ts';
import { createObservability } from './observability/create-observability.ts';
import { useFieldUsage } from './observability/field-usage-plugin.ts';
import { createLogger, type Log } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { useRequestLog } from './observability/request-log-plugin.ts';
import { createTracing } from './observability/traces.ts';
import { yogaLogger } from './observability/yoga-logger.ts';
import type { Client, HeaderSource } from './ratelimit/clients.ts';
import { clientResolver, createRateLimits } from './ratelimit/create-rate-limits.ts';
import { useCostLimits } from './ratelimit/plugin.ts';
import { schema } from './schema/index.ts';

export interface AppOptions {
  log?: Log;
  /** Compress answers here (the default). Off behind a platform that compresses at its edge (Vercel, Next). */
  compress?: boolean;
  /** Answer repeated questions before Yoga's pipeline: response-cache hits, and prepared operations (the default). */
  hitPath?: boolean;
}

/**
 * Builds the whole server without listening, so tests call `app.fetch` or mount it on any HTTP server, and
 * the serverless entry (src/serverless.ts) answers a platform's requests with it.
 */
export function createApp(config: Config, options: AppOptions = {}) {
  const observability = createObservability(config, options.log ?? createLogger());
  const { log, errorReporting } = observability;
  const metrics = createMetrics();
  // OTEL_EXPORTER_OTLP_ENDPOINT: spans of each request to an OTLP receiver; unset, nothing of the SDK loads.
  const tracing = createTracing(config.observability.traces, config.graphqlPath, log);
  const responseCache = createResponseCache(config.cache, config.responseCache.maxBytes, metrics, log);
  // Answers are keyed by the engine's data version, learnt from whatever it answers.
  const engine = watchDataVersion(
    createEngine(config.engine, (endpoint) => metrics.engineRequests.inc({ endpoint }), log, {
      onAnswer: (endpoint, seconds) => metrics.engineDuration.observe({ endpoint }, seconds),
      onRestart: () => metrics.engineRestarts.inc(),
    }),
    (version) => responseCache.noteDataVersion(version),
  );
  if (engine.breaker) metrics.watchBreaker('engine', engine.breaker);
  const cache = createCache(config.cache, metrics, log, config.engine.staleAfterMs);
  const rateLimits = createRateLimits(config, metrics, log);
  const clientOf = clientResolver(config.rateLimit);
  const explanations = new ExplanationWatcher(engine.engine, cache, config.explanations.pollMs, log);
  // Shutdown state: server.ts begins and ends the drain; /ready and every answer follow it.
  const drain = new Drain();
  // APQ's registered documents (without trusted documents): the plugin registers them, the hit path reads them.
  const persistedDocuments = config.security.trustedDocuments ? undefined : new DocumentStore(config.security.apqMaxBytes);
  /**
   * Each operation's context (resolvers' `ctx`): Yoga's, and the fast path's for a prepared operation. The fast
   * path gives `requestId`: its request is no Fetch API Request that other plugins look an id up by.
   */
  const contextOf = (
    request: HeaderSource & { method: string },
    client: Client,
    requestId?: string,
  ): Context & { request: typeof request } => {
    const stats = newRequestStats();
    // A GET may be sent by a page on another site (a simple request): it never starts a job (see csrf.ts).
    const explanationBudget = request.method === 'GET' ? getStartsNoJobs : explanationCharger(rateLimits, client);
    const loaders = createLoaders(engine.engine, cache, stats, { explanationBudget });
    return {
      request,
      loaders,
      stats,
      cache,
      responseCache,
      engine,
      config,
      client,
      rateLimits,
      requestId: requestId ?? requestIdOf(request as Request),
      explanations,
      // Checked only when an admin field asks, not on every request.
      get admin() {
        return isAdminRequest(request, config.adminToken);
      },
    };
  };
  const hitPath =
    config.responseCache.hitPath && options.hitPath !== false
      ? new HitPath({
          graphqlPath: config.graphqlPath,
          maxBodyBytes: config.security.maxBodyBytes,
          responses: responseCache,
          limits: rateLimits,
          clientOf,
          adminToken: config.adminToken,
          metrics,
          log,
          drain,
          persistedDocuments,
          // Prepared operations run here only without traces: a traced request's spans are the pipeline's.
          execution: tracing ? undefined : { schema, contextOf, expired: drain.expired },
        })
      : undefined;

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: config.graphqlPath,
    landingPage: false,
    // /health is answered by useLiveness, after the metrics plugin; Yoga's own check (which answers any path
    // ending in its endpoint, before every plugin) gets a path of its own out of the way.
    healthCheckEndpoint: '/.yoga-health-check',
    // Served by useGraphiQLPage below, rendered once and compressed.
    graphiql: false,
    // Never the original error in an answer, development included: its stack is in the log (yoga.error).
    maskedErrors: { isDev: false },
    logging: yogaLogger(log),
    // Parsed (and compiled) documents and parse errors in at most 24 MB and 2 MB of heap: the memory budget.
    parserAndValidationCache: boundedDocumentCaches(24 * 1024 * 1024, 2 * 1024 * 1024),
    ...httpOptions(config.security),
    context: ({ request, ...serverContext }) => contextOf(request, clientOf(request, serverContext)),
    plugins: [
      ...(config.graphiql
        ? [
            useGraphiQLPage({
              graphqlPath: config.graphqlPath,
              compress: options.compress !== false,
              // Rendered on first use, in a worker thread whose heap goes with it (graphiql-render.ts).
              render: () => renderGraphiQLPage({ title: 'veo-bff', defaultQuery, endpoint: config.graphqlPath }),
            }),
          ]
        : []),
      // The dashboard page at `/` (DEMO_PAGE), as `npm run build` wrote it.
      ...(config.demoPage
        ? [useDemoPage({ dir: projectPath('dist', 'demo'), graphqlPath: config.graphqlPath, compress: options.compress !== false })]
        : []),
      // Before the request log, whose line then has the status sent (a 304).
      useHttpCache({ graphqlPath: config.graphqlPath }),
      // First, so they see every request, including those refused by the plugins after them.
      useRequestLog({ log, clientOf }),
      // Beside the log line, whose `coordinates` are the same: who uses each field, refused operations included.
      useFieldUsage(metrics),
      // Before every plugin that may answer early (origin, readiness), so their answers are timed and counted too.
      useMetrics(metrics, config, log),
      useOriginPolicy(config.security),
      // After the origin check; each operation it carries then goes through every plugin below.
      useSingleConnectionSse({ graphqlEndpoint: config.graphqlPath, clientOf, drain, log }),
      useLiveness(),
      useReadiness({ engine, cache, timeoutMs: config.observability.readyTimeoutMs, draining: () => drain.draining }),
      // Before anything walks the variables (cost, coercion, error reporting).
      useVariablesLimit(config.variables),
      useNoInternalErrors(),
      // Cached parse and validation errors let go of the request they were made in.
      useDetachedErrorStacks(),
      ...(errorReporting ? [errorReporting.plugin] : []),
      ...securityPlugins(config.security, config.maxFields),
      // Exclusive: only the manifest's operations run, or any document may be sent by its hash once registered.
      config.security.trustedDocuments
        ? useTrustedDocuments(config.security.trustedDocuments.manifest, config.adminToken)
        : useAutomaticPersistedQueries(persistedDocuments!),
      useErrorMetrics(metrics.graphqlErrors),
      useErrorCodes(),
      useCodedHttpRefusals(),
      useSpecStatuses(),
      useStaleMarker(),
      useCostLimits({ schema, limits: rateLimits, metrics, graphqlEndpoint: config.graphqlPath, clientOf }),
      useDeferStream(),
      ...useJit(),
      // A prepared run the fast path handed on (errors, stale parts) gives its result: nothing runs twice.
      ...(hitPath ? [useHandedOverRuns()] : []),
      // After the cost plugin and graphql-jit: a hit is priced and charged, and skips only execution.
      useResponseCache({
        responses: config.responseCache.enabled ? responseCache : undefined,
        ttlSeconds: config.cache.ttlSeconds,
        metrics,
        trustedManifest: config.security.trustedDocuments?.manifest,
      }),
      // Last: it wraps the executor the plugins above chose.
      useDrain(drain),
      // After useDrain: the execution span wraps the executor every plugin above chose.
      ...(tracing ? [tracing.plugin] : []),
      // After every plugin that may give a response another body (responses go through them in this order).
      ...(options.compress === false ? [] : [useCompression()]),
      // Last: it records the answer as it is sent.
      ...(hitPath ? [useHitPathRecorder(hitPath)] : []),
    ],
  });

  return {
    yoga,
    fetch: yoga.fetch as (request: Request) => Promise<Response>,
    /** node:http's handler: the hit path in front of Yoga (see http/hit-path/hit-path.ts). */
    handler: refuseUnbuildableUrls(
      hitPath ? hitPath.handler((req, res) => yoga(req, res)) : (req: IncomingMessage, res: ServerResponse) => yoga(req, res),
      log,
      metrics,
    ),
    metrics,
    engine,
    cache,
    responseCache,
    log,
    drain,
    /** Sends the queued log lines, error events and spans, waiting at most `timeoutMs`. */
    async flush(timeoutMs: number) {
      await Promise.all([observability.flush(timeoutMs), tracing?.flush(timeoutMs)]);
    },
    async close() {
      await engine.close();
      await Promise.all([observability.flush(5_000), tracing?.close(5_000)]);
    },
  };
}

export type App = ReturnType<typeof createApp>;
