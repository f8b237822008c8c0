import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import { loadConfig, type Config } from './config/config.ts';
import type { Context } from './context.ts';
import { useErrorCodes } from './http/error-codes-plugin.ts';
import { isAdminRequest } from './http/admin-auth.ts';
import { useMetrics } from './http/metrics-plugin.ts';
import { useStaleMarker } from './http/stale-plugin.ts';
import { createCache } from './cache/create-cache.ts';
import { createLoaders, newRequestStats } from './loaders/loaders.ts';
import { clientResolver, createRateLimits } from './ratelimit/create-rate-limits.ts';
import { useCostLimits } from './ratelimit/plugin.ts';
import { createEngine } from './modal/engine.ts';
import { createLogger, type Log } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { schema } from './schema/index.ts';
import { defaultQuery } from './http/graphiql-default.ts';

export interface AppOptions {
  log?: Log;
}

/**
 * Builds the whole server without listening, so tests call `app.fetch` or mount it on any HTTP server, and a
 * serverless route handler can export `app.fetch` as it is.
 */
export function createApp(config: Config, options: AppOptions = {}) {
  const log = options.log ?? createLogger();
  const metrics = createMetrics();
  const engine = createEngine(config.engine, (endpoint) => metrics.engineRequests.inc({ endpoint }), log);
  const cache = createCache(config.cache, metrics, log);
  const rateLimits = createRateLimits(config, metrics, log);
  const clientOf = clientResolver(config.rateLimit);

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.graphiql ? { title: 'veo-bff', defaultQuery } : false,
    renderGraphiQL,
    maskedErrors: { isDev: config.env === 'development' },
    context: ({ request, ...serverContext }) => {
      const stats = newRequestStats();
      const admin = isAdminRequest(request, config.adminToken);
      const client = clientOf(request, serverContext);
      return { loaders: createLoaders(engine.engine, cache, stats), stats, cache, engine, config, admin, client, rateLimits };
    },
    plugins: [
      useMetrics(metrics),
      useErrorCodes(),
      useStaleMarker(),
      useCostLimits({ schema, limits: rateLimits, metrics, graphqlEndpoint: '/graphql', clientOf }),
    ],
  });

  return {
    yoga,
    fetch: yoga.fetch as (request: Request) => Promise<Response>,
    metrics,
    engine,
    cache,
    log,
    async close() {
      await engine.close();
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
export function handleRequest(request: Request): Promise<Response> {
  shared ??= createApp(loadConfig());
  return shared.fetch(request);
}
