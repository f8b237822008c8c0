import type { ObservabilityConfig } from '../config/observability-env.ts';
import type { LogSink } from './logger.ts';

/**
 * Log lines to an Axiom dataset through @axiomhq/js's batching client (it sends every second or every
 * 1000 events). The module is loaded, and the client built, only when a token is configured: built without
 * one it warns on every call and sends `Bearer undefined`. Nothing here throws into a request: failures go
 * to `onError` (stdout), never back into the sink.
 */
export function createAxiomSink(config: NonNullable<ObservabilityConfig['axiom']>, onError: (message: string) => void): LogSink {
  const report = (error: unknown) => onError(error instanceof Error ? error.message : String(error));
  const client = import('@axiomhq/js').then(({ Axiom }) => new Axiom({ token: config.token, url: config.url, onError: report }));
  client.catch(report);
  return {
    send(entry) {
      // `then` callbacks run in the order they were added, so lines keep their order while the module loads.
      client.then((axiom) => axiom.ingest(config.dataset, entry)).catch(report);
    },
    async flush() {
      try {
        await (await client).flush();
      } catch (error) {
        report(error);
      }
    },
  };
}
