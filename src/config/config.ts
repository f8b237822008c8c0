import { parseEnv } from './env.ts';

export type EngineMode = 'auto' | 'local' | 'modal';

export interface Config {
  env: 'development' | 'production' | 'test';
  server: { host: string; port: number };
  graphiql: boolean;
  engine: {
    mode: EngineMode;
    timeoutMs: number;
    retries: number;
    modal?: { url: string; proxyKey?: string; proxySecret?: string };
    /** An engine that is already running; when unset the server starts python/serve.py itself. */
    localUrl?: string;
    python: string;
    breaker: { failures: number; cooldownMs: number };
  };
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = parseEnv(source);
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    // Listen on every interface in production (containers); only on loopback on a laptop.
    server: { host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'), port: env.PORT },
    graphiql: !production,
    engine: {
      mode: env.ENGINE_MODE,
      timeoutMs: env.ENGINE_TIMEOUT_MS,
      retries: env.ENGINE_RETRIES,
      modal: env.MODAL_ENDPOINT_URL
        ? { url: env.MODAL_ENDPOINT_URL, proxyKey: env.MODAL_PROXY_KEY, proxySecret: env.MODAL_PROXY_SECRET }
        : undefined,
      localUrl: env.LOCAL_ENGINE_URL,
      python: env.PYTHON ?? 'python3',
      breaker: { failures: env.ENGINE_BREAKER_FAILURES, cooldownMs: env.ENGINE_BREAKER_COOLDOWN_MS },
    },
  };
}
