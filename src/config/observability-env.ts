import { z } from 'zod';

// Sentry, Axiom and readiness settings, parsed with the rest of the environment (env.ts spreads
// `observabilityEnv` into its schema). Messages never repeat a value: DSNs and tokens are secrets.

const unset = (v: unknown) => (v === '' ? undefined : v);
const rate = (fallback: number) => z.preprocess(unset, z.coerce.number().min(0).max(1).default(fallback));

export const observabilityEnv = {
  SENTRY_DSN: z.preprocess(unset, z.url({ error: 'must be a Sentry DSN URL (https://<key>@<host>/<project>)' }).optional()),
  SENTRY_ENVIRONMENT: z.preprocess(unset, z.string().max(64).optional()),
  SENTRY_RELEASE: z.preprocess(unset, z.string().max(200).optional()),
  SENTRY_SAMPLE_RATE: rate(1),
  SENTRY_TRACES_SAMPLE_RATE: rate(0),
  AXIOM_TOKEN: z.preprocess(unset, z.string().optional()),
  AXIOM_DATASET: z.preprocess(unset, z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a dataset name').optional()),
  AXIOM_URL: z.preprocess(unset, z.url().optional()),
  READY_TIMEOUT_MS: z.preprocess(unset, z.coerce.number().int().min(50).max(30_000).default(1_000)),
};

const observabilitySchema = z.object(observabilityEnv);
type ObservabilityEnv = z.infer<typeof observabilitySchema> & { NODE_ENV: string };

export interface ObservabilityConfig {
  /** Unexpected errors to Sentry; unset: nothing is sent and the SDK is never started. */
  sentry?: { dsn: string; environment: string; release?: string; sampleRate: number; tracesSampleRate: number };
  /** Log lines to Axiom as well as stdout; unset: the Axiom client is never built. */
  axiom?: { token: string; dataset: string; url?: string };
  /** Per dependency checked by /ready. */
  readyTimeoutMs: number;
}

/** Checks on the raw strings, so they are listed even when another variable fails to parse. */
export function observabilityProblems(env: Record<string, string | undefined>): string[] {
  if (Boolean(env.AXIOM_TOKEN) !== Boolean(env.AXIOM_DATASET)) return ['AXIOM_TOKEN / AXIOM_DATASET: set both or neither'];
  return [];
}

export function observabilityConfig(env: ObservabilityEnv): ObservabilityConfig {
  return {
    sentry: env.SENTRY_DSN
      ? {
          dsn: env.SENTRY_DSN,
          environment: env.SENTRY_ENVIRONMENT ?? env.NODE_ENV,
          release: env.SENTRY_RELEASE,
          sampleRate: env.SENTRY_SAMPLE_RATE,
          tracesSampleRate: env.SENTRY_TRACES_SAMPLE_RATE,
        }
      : undefined,
    axiom:
      env.AXIOM_TOKEN && env.AXIOM_DATASET ? { token: env.AXIOM_TOKEN, dataset: env.AXIOM_DATASET, url: env.AXIOM_URL } : undefined,
    readyTimeoutMs: env.READY_TIMEOUT_MS,
  };
}
