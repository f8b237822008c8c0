import type { Config } from '../config/config.ts';
import { createAxiomSink } from './axiom.ts';
import { type Log, shipTo } from './logger.ts';
import { secretsOf } from './scrub.ts';
import { createErrorReporting, type ErrorReporting } from './sentry.ts';

export interface Observability {
  /** The one logger: stdout, and Axiom when AXIOM_TOKEN and AXIOM_DATASET are set. */
  log: Log;
  /** Sentry when SENTRY_DSN is set. */
  errorReporting?: ErrorReporting;
  /** Sends what is queued for Axiom and Sentry, waiting at most `timeoutMs`; never rejects. */
  flush(timeoutMs: number): Promise<void>;
}

export function createObservability(config: Config, stdout: Log): Observability {
  const axiom = config.observability.axiom;
  // Axiom's own failures go to stdout only: shipping them to Axiom would loop while it is down.
  const sink = axiom ? createAxiomSink(axiom, (message) => stdout('axiom.failed', { message })) : undefined;
  const log = sink ? shipTo(stdout, sink) : stdout;
  const sentry = config.observability.sentry;
  const errorReporting = sentry ? createErrorReporting(sentry, secretsOf(config), stdout, Boolean(config.observability.traces)) : undefined;

  return {
    log,
    errorReporting,
    async flush(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      const work = Promise.all([sink?.flush(), errorReporting?.flush(timeoutMs)]).then(
        () => undefined,
        () => undefined,
      );
      await Promise.race([work, deadline]);
      clearTimeout(timer);
    },
  };
}
