import type { Config } from '../config/config.ts';
import { type BreakerState, CircuitBreaker } from '../lib/circuit-breaker.ts';
import type { Log } from '../lib/log.ts';
import { EngineClient, type EngineFetch, proxyAuthHeaders } from './client.ts';
import { EngineError } from './errors.ts';
import { failoverFetch } from './failover.ts';
import { LocalEngineProcess } from './local/supervisor.ts';
import { ENGINE_BASE, upstreamFetch } from './upstream.ts';

/** What the loaders and resolvers see: the engine's routes, wherever the engine runs. */
export type Engine = Pick<EngineClient, keyof EngineClient>;

export interface EngineHandle {
  engine: Engine;
  /** Which engine answers now, for /health and logs. */
  describe(): { mode: Config['engine']['mode']; active: 'modal' | 'local'; breaker?: string };
  /** The breaker in front of Modal, with ENGINE_MODE=auto only. */
  breaker?: { readonly state: BreakerState };
  close(): Promise<void>;
}

/** What the metrics follow besides each call (`onRequest`): how long it took, and restarts of the local engine. */
export interface EngineWatch {
  onAnswer?: (endpoint: string, seconds: number) => void;
  /** The local engine this server started died and is being restarted. */
  onRestart?: () => void;
}

/**
 * Builds the engine that the configuration asks for (see the table in the README): one client, whose fetch
 * sends every call to the local engine, to Modal, or to Modal with the local engine taking over while
 * Modal is away.
 */
export function createEngine(
  config: Config['engine'],
  onRequest: (endpoint: string) => void,
  log: Log,
  { onAnswer, onRestart }: EngineWatch = {},
): EngineHandle {
  const { timeoutMs } = config;
  let child: LocalEngineProcess | undefined;
  const childUrl = () => {
    child ??= new LocalEngineProcess({ python: config.python, log, onRestart });
    return child.url().catch((error: Error) => {
      throw new EngineError('UPSTREAM_UNAVAILABLE', `The local engine is not available: ${error.message}`, {
        endpoint: 'local',
      });
    });
  };
  const localUrl = config.localUrl;
  const local = upstreamFetch({ name: 'local', url: localUrl ? () => localUrl : childUrl, timeoutMs, onRequest, onAnswer });

  const handle = (fetch: EngineFetch, describe: EngineHandle['describe'], breaker?: CircuitBreaker): EngineHandle => ({
    // The fetch bounds each call (a fail-over call has a timeout per engine), so ky's own timeout is off.
    engine: new EngineClient({ baseUrl: ENGINE_BASE, timeoutMs: false, retries: config.retries, fetch }),
    describe,
    breaker,
    close: async () => {
      await child?.stop();
    },
  });

  const modal = config.modal;
  if (config.mode === 'local' || !modal) return handle(local, () => ({ mode: config.mode, active: 'local' }));
  const auth = modal.proxyKey && modal.proxySecret ? { key: modal.proxyKey, secret: modal.proxySecret } : undefined;
  const toModal = upstreamFetch({
    name: 'modal',
    url: () => modal.url,
    timeoutMs,
    headers: auth && proxyAuthHeaders(auth),
    onRequest,
    onAnswer,
  });
  if (config.mode === 'modal') return handle(toModal, () => ({ mode: 'modal', active: 'modal' }));

  const breaker = new CircuitBreaker(config.breaker.failures, config.breaker.cooldownMs);
  return handle(
    failoverFetch({ modal: toModal, local, breaker, log }),
    () => ({ mode: 'auto', active: breaker.state === 'closed' ? 'modal' : 'local', breaker: breaker.state }),
    breaker,
  );
}
