import { z } from 'zod';
import { fraction, int, problem } from './fields.ts';

// Sentry, Axiom, trace and readiness settings: their variables, the check between them, and the part of the
// configuration they make. Messages never repeat a value: DSNs and tokens are secrets.

export const observabilityEnv = z.object({
  SENTRY_DSN: z.url({ error: 'must be a Sentry DSN URL (https://<key>@<host>/<project>)' }).optional(),
  SENTRY_ENVIRONMENT: z.string().max(64).optional(),
  SENTRY_RELEASE: z.string().max(200).optional(),
  SENTRY_SAMPLE_RATE: fraction(1),
  SENTRY_TRACES_SAMPLE_RATE: fraction(0),
  AXIOM_TOKEN: z.string().optional(),
  AXIOM_DATASET: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a dataset name')
    .optional(),
  AXIOM_URL: z.url().optional(),
  // The OpenTelemetry names: the exporter itself reads OTEL_EXPORTER_OTLP_HEADERS (a collector's credentials).
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: "must be an OTLP/HTTP receiver's base URL (http://collector:4318)" })
    .optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).default('veo-bff'),
  READY_TIMEOUT_MS: int(1_000, 50, 30_000),
});

type ObservabilityEnv = z.output<typeof observabilityEnv> & { NODE_ENV: string };

/** Reads only whether values are set, so it holds even when one of them failed to parse. */
export function checkObservability(env: ObservabilityEnv, ctx: z.RefinementCtx) {
  if (Boolean(env.AXIOM_TOKEN) !== Boolean(env.AXIOM_DATASET)) problem(ctx, 'AXIOM_TOKEN / AXIOM_DATASET', 'set both or neither');
}

export function observabilityConfig(env: ObservabilityEnv) {
  return {
    /** Unexpected errors to Sentry; unset: nothing is sent and the SDK is never started. */
    sentry: env.SENTRY_DSN
      ? {
          dsn: env.SENTRY_DSN,
          environment: env.SENTRY_ENVIRONMENT ?? env.NODE_ENV,
          release: env.SENTRY_RELEASE,
          sampleRate: env.SENTRY_SAMPLE_RATE,
          tracesSampleRate: env.SENTRY_TRACES_SAMPLE_RATE,
        }
      : undefined,
    /** Log lines to Axiom as well as stdout; unset: the Axiom client is never built. */
    axiom: env.AXIOM_TOKEN && env.AXIOM_DATASET ? { token: env.AXIOM_TOKEN, dataset: env.AXIOM_DATASET, url: env.AXIOM_URL } : undefined,
    /** Spans to an OTLP/HTTP receiver (`<endpoint>/v1/traces`); unset: the SDK and exporter are never loaded. */
    traces: env.OTEL_EXPORTER_OTLP_ENDPOINT ? { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME } : undefined,
    /** Per dependency checked by /ready. */
    readyTimeoutMs: env.READY_TIMEOUT_MS,
  };
}

export type ObservabilityConfig = ReturnType<typeof observabilityConfig>;
