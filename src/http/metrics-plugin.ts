import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/config.ts';
import { receivedAt } from '../lib/received-at.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { HandedOverContext } from './hit-path/handover.ts';
import { metricsAccess, scrape } from './metrics-access.ts';
import { manifestOperationNames, OperationNameLabels, routeLabel } from './metrics-labels.ts';

/** What this plugin leaves on an operation's context: the `operation_name` label it was counted under. */
interface OperationLabelled {
  operationLabel?: string;
}

export type MetricsConfig = Pick<Config, 'env' | 'metrics' | 'graphqlPath'> & { security: Pick<Config['security'], 'trustedDocuments'> };

/**
 * Serves /metrics in Prometheus text format (as `metricsAccess` allows) and times every HTTP request and
 * GraphQL operation, with label values from bounded sets only (metrics-labels.ts).
 */
export function useMetrics(metrics: Metrics, config: MetricsConfig, log?: Log, path = '/metrics'): Plugin {
  const access = metricsAccess(config);
  if (access === 'off') {
    log?.('metrics.off', { reason: 'production without METRICS_TOKEN or METRICS_PORT: /metrics is not served' });
  }
  const token = access === 'token' ? config.metrics.token : undefined;
  const manifest = config.security.trustedDocuments?.manifest;
  const operationNames = new OperationNameLabels(manifest ? manifestOperationNames(manifest) : undefined);
  const started = new WeakMap<Request, number>();

  return {
    async onRequest({ request, serverContext, url, endResponse, fetchAPI }) {
      started.set(request, receivedAt(serverContext));
      // With `port` or `off`, /metrics is an unknown path here and gets the same 404 as any other.
      if (url.pathname !== path || (access !== 'open' && access !== 'token')) return;
      const { status, headers, body } = await scrape(metrics.registry, request.headers.get('authorization'), token);
      endResponse(new fetchAPI.Response(body, { status, headers }));
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      const route = routeLabel(new URL(request.url).pathname, config.graphqlPath);
      metrics.httpDuration.observe({ route, status: String(response.status) }, (performance.now() - start) / 1000);
    },
    onExecute({ args }) {
      const start = performance.now();
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'unknown';
      const labels = { operation_type: type, operation_name: operationNames.label(type, operation?.name?.value) };
      // The fast path (hit-path/) counts the prepared operation it runs again under the same label.
      (args.contextValue as OperationLabelled).operationLabel = labels.operation_name;
      const context = args.contextValue as HandedOverContext;
      return {
        onExecuteDone() {
          // A run the fast path handed over (hit-path/handover.ts) ran before this execution: its time counts.
          metrics.operationDuration.observe(labels, (performance.now() - start) / 1000 + (context.preparedRunSeconds ?? 0));
        },
      };
    },
  };
}
