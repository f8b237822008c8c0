import type { Config } from '../config/config.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { EngineClient } from './client.ts';
import { EngineError } from './errors.ts';
import { LocalEngineProcess } from './local-engine.ts';

const methods = [
  'health',
  'personas',
  'areas',
  'crime',
  'schools',
  'commute',
  'stations',
  'recommend',
  'submitExplanations',
  'explanationStatus',
] as const;

/** What the loaders and resolvers see: the engine's routes, wherever the engine runs. */
export type Engine = Pick<EngineClient, (typeof methods)[number]>;

export interface EngineHandle {
  engine: Engine;
  /** Which engine answers now, for /health and logs. */
  describe(): { mode: Config['engine']['mode']; active: 'modal' | 'local'; breaker?: string };
  close(): Promise<void>;
}

type Log = (event: string, fields?: Record<string, unknown>) => void;

/** Builds the engine that the configuration asks for (see the table in the README). */
export function createEngine(config: Config['engine'], onRequest: (endpoint: string) => void, log: Log): EngineHandle {
  const clientFor = (baseUrl: string, proxyAuth?: { key: string; secret: string }) =>
    new EngineClient({ baseUrl, timeoutMs: config.timeoutMs, retries: config.retries, proxyAuth, onRequest });

  let local: LocalEngineProcess | undefined;
  const localEngine = (): Engine => {
    if (config.localUrl) return clientFor(config.localUrl);
    local ??= new LocalEngineProcess({ python: config.python, log });
    const child = local;
    let client: EngineClient | undefined;
    // The port changes when the process restarts, so the client is rebuilt from the current URL.
    return delegate(async (method, args) => {
      const url = await child.url().catch((error: Error) => {
        throw new EngineError('UPSTREAM_UNAVAILABLE', `The local engine is not available: ${error.message}`, {
          endpoint: 'local',
        });
      });
      if (client?.baseUrl !== url) client = clientFor(url);
      return invoke(client, method, args);
    });
  };

  const close = async () => {
    await local?.stop();
  };
  const modal = config.modal;

  if (config.mode === 'local' || !modal) {
    return { engine: localEngine(), describe: () => ({ mode: config.mode, active: 'local' }), close };
  }
  const proxyAuth = modal.proxyKey && modal.proxySecret ? { key: modal.proxyKey, secret: modal.proxySecret } : undefined;
  const remote = clientFor(modal.url, proxyAuth);
  if (config.mode === 'modal') {
    return { engine: remote, describe: () => ({ mode: 'modal', active: 'modal' }), close };
  }

  const breaker = new CircuitBreaker(config.breaker.failures, config.breaker.cooldownMs);
  let fallback: Engine | undefined;
  const engine = delegate(async (method, args) => {
    if (!breaker.allow()) return invoke((fallback ??= localEngine()), method, args);
    try {
      const result = await invoke(remote, method, args);
      breaker.success();
      return result;
    } catch (error) {
      // A refused request means Modal is up; only outages trip the breaker and fall back.
      if (!(error instanceof EngineError) || !error.isOutage) {
        breaker.success();
        throw error;
      }
      breaker.failure();
      log('engine.modal.failed', { method, message: error.message, breaker: breaker.state });
      return invoke((fallback ??= localEngine()), method, args);
    }
  });
  return {
    engine,
    describe: () => ({ mode: 'auto', active: breaker.state === 'closed' ? 'modal' : 'local', breaker: breaker.state }),
    close,
  };
}

type Method = (typeof methods)[number];

function invoke(engine: Engine, method: Method, args: unknown[]): Promise<unknown> {
  return (engine[method] as (...a: unknown[]) => Promise<unknown>).apply(engine, args);
}

/** An Engine whose every call goes through `call`, which decides which engine answers it. */
function delegate(call: (method: Method, args: unknown[]) => Promise<unknown>): Engine {
  const engine: Record<string, unknown> = {};
  for (const method of methods) engine[method] = (...args: unknown[]) => call(method, args);
  return engine as unknown as Engine;
}
