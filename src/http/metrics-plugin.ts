import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.ts';

/** Serves /metrics in Prometheus text format and times every HTTP request and GraphQL operation. */
export function useMetrics(metrics: Metrics, path = '/metrics'): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    async onRequest({ request, url, endResponse }) {
      started.set(request, performance.now());
      if (url.pathname === path) {
        const body = await metrics.registry.metrics();
        endResponse(new Response(body, { headers: { 'content-type': metrics.registry.contentType } }));
      }
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined) return;
      const route = new URL(request.url).pathname;
      metrics.httpDuration.observe({ route, status: String(response.status) }, (performance.now() - start) / 1000);
    },
    onExecute({ args }) {
      const start = performance.now();
      const operation = getOperationAST(args.document, args.operationName);
      const labels = {
        operation_type: operation?.operation ?? 'unknown',
        operation_name: operation?.name?.value ?? 'anonymous',
      };
      return {
        onExecuteDone() {
          metrics.operationDuration.observe(labels, (performance.now() - start) / 1000);
        },
      };
    },
  };
}
