import { z } from 'zod';

// Environment variables arrive as strings; an empty string means "unset" (as in a .env file with `X=`).
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
const int = (fallback: number, min: number, max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).max(max).default(fallback));

const envSchema = z.object({
  NODE_ENV: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['development', 'production', 'test']).default('development')),
  HOST: optionalString,
  PORT: int(4000, 0, 65535),
  ENGINE_MODE: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['auto', 'local', 'modal']).default('auto')),
  MODAL_ENDPOINT_URL: optionalUrl,
  MODAL_PROXY_KEY: optionalString,
  MODAL_PROXY_SECRET: optionalString,
  LOCAL_ENGINE_URL: optionalUrl,
  ENGINE_TIMEOUT_MS: int(10_000, 100, 120_000),
  ENGINE_RETRIES: int(2, 0, 5),
  ENGINE_BREAKER_FAILURES: int(3, 1, 100),
  ENGINE_BREAKER_COOLDOWN_MS: int(30_000, 100, 3_600_000),
  PYTHON: optionalString,
});

export type RawEnv = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the whole environment at once, so every problem is reported together. */
export function parseEnv(source: Record<string, string | undefined> = process.env): RawEnv {
  const result = envSchema.safeParse(source);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (result.success) problems.push(...crossFieldProblems(result.data));
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data!;
}

function crossFieldProblems(env: RawEnv): string[] {
  const problems: string[] = [];
  if (env.ENGINE_MODE === 'modal' && !env.MODAL_ENDPOINT_URL) {
    problems.push('MODAL_ENDPOINT_URL: required when ENGINE_MODE=modal');
  }
  if (env.MODAL_ENDPOINT_URL && Boolean(env.MODAL_PROXY_KEY) !== Boolean(env.MODAL_PROXY_SECRET)) {
    problems.push('MODAL_PROXY_KEY / MODAL_PROXY_SECRET: set both or neither');
  }
  return problems;
}
