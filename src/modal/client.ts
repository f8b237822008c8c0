/**
 * The client of the engine's HTTP contract (python/README.md, "Contract"; its schemas are contract.ts). The
 * Modal app (python/modal_app.py) serves the contract in production and python/serve.py serves it locally,
 * as a child process (local/supervisor.ts) or at LOCAL_ENGINE_URL; engine.ts decides which one a call
 * reaches (ENGINE_MODE), through the fetch it hands this client.
 */
import ky, { HTTPError, type KyInstance, TimeoutError } from 'ky';
import type { z } from 'zod';
import {
  answers,
  type Endpoint,
  type ExplanationRequest,
  type ExplanationStatusRequest,
  type RecommendInput,
  refusal,
} from './contract.ts';
import { EngineError } from './errors.ts';

/** What sends the client's HTTP attempts (ky hands it a Request). */
export type EngineFetch = (request: Request) => Promise<Response>;

export interface ProxyAuth {
  key: string;
  secret: string;
}

export interface EngineClientOptions {
  baseUrl: string;
  /** Per HTTP attempt; false when `fetch` bounds each call itself (upstream.ts does, per engine). */
  timeoutMs: number | false;
  retries: number;
  /** Modal proxy auth (requires_proxy_auth=True on the Modal side). */
  proxyAuth?: ProxyAuth;
  fetch?: EngineFetch;
}

/** The headers of Modal's proxy auth. */
export function proxyAuthHeaders(auth: ProxyAuth): Record<string, string> {
  return { 'Modal-Key': auth.key, 'Modal-Secret': auth.secret };
}

/** The engine's routes, one method each; every answer is parsed with the contract schemas. */
export class EngineClient {
  private readonly http: KyInstance;

  constructor(options: EngineClientOptions) {
    const send = options.fetch;
    this.http = ky.create({
      prefixUrl: options.baseUrl,
      timeout: options.timeoutMs,
      headers: options.proxyAuth ? proxyAuthHeaders(options.proxyAuth) : {},
      fetch: send && ((input) => send(input as Request)),
      // Every engine route is idempotent (explanation ids are deterministic), so POST is retried too.
      retry: {
        limit: options.retries,
        methods: ['get', 'post'],
        statusCodes: [408, 429, 502, 503, 504],
        backoffLimit: 1_000,
        // An EngineError from the fetch (the local engine could not start) is final.
        shouldRetry: ({ error }) => (error instanceof EngineError ? false : undefined),
      },
    });
  }

  health() {
    return this.call('health', 'get');
  }
  personas() {
    return this.call('personas', 'get');
  }
  areas(codes?: readonly string[]) {
    return this.call('areas', 'post', codes ? { codes } : {});
  }
  crime(codes: readonly string[]) {
    return this.call('crime', 'post', { codes });
  }
  schools(codes: readonly string[]) {
    return this.call('schools', 'post', { codes });
  }
  commute(pairs: readonly { from: string; to: number }[]) {
    return this.call('commute', 'post', { pairs });
  }
  stations(query: { search?: string; ids?: readonly number[] }) {
    return this.call('stations', 'post', query);
  }
  recommend(input: RecommendInput) {
    return this.call('recommend', 'post', input);
  }
  submitExplanations(requests: readonly ExplanationRequest[]) {
    return this.call('explanations', 'post', { requests });
  }
  /** Jobs by engine id; `rebuild` starts again a job the engine does not hold (see the contract). */
  explanationStatus(ids: readonly string[], options: { rebuild?: boolean } = {}) {
    const body: ExplanationStatusRequest = { ids, rebuild: options.rebuild === true };
    return this.call('explanations/status', 'post', body);
  }

  private async call<E extends Endpoint>(endpoint: E, method: 'get' | 'post', body?: unknown): Promise<z.infer<(typeof answers)[E]>> {
    let payload: unknown;
    try {
      payload = await this.http(endpoint, { method, json: body }).json();
    } catch (error) {
      throw await toEngineError(endpoint, error);
    }
    const parsed = answers[endpoint].safeParse(payload);
    if (!parsed.success) {
      throw new EngineError('UPSTREAM_BAD_RESPONSE', `The engine answered ${endpoint} in an unexpected shape`, {
        endpoint,
      });
    }
    return parsed.data as z.infer<(typeof answers)[E]>;
  }
}

async function toEngineError(endpoint: string, error: unknown): Promise<EngineError> {
  if (error instanceof EngineError) return error;
  if (error instanceof HTTPError) {
    const status = error.response.status;
    const body = refusal.safeParse(await error.response.json().catch(() => null));
    if (status === 400 && body.success) {
      const { message, field } = body.data.error;
      return new EngineError('BAD_USER_INPUT', message, { endpoint, status, field });
    }
    return new EngineError('UPSTREAM_UNAVAILABLE', `The engine answered ${endpoint} with HTTP ${status}`, {
      endpoint,
      status,
    });
  }
  if (error instanceof TimeoutError) {
    return new EngineError('UPSTREAM_UNAVAILABLE', `The engine did not answer ${endpoint} in time`, { endpoint });
  }
  return new EngineError('UPSTREAM_UNAVAILABLE', `The engine could not be reached for ${endpoint}`, { endpoint });
}

/**
 * Whether an engine's HTTP answer says the engine is away, by the rule of EngineError.isOutage for what the
 * client would make of it: anything but the endpoint's answer, or a refusal of the request (HTTP 400 with the
 * contract's error body), which says the engine is up.
 */
export async function isOutageAnswer(endpoint: string, response: Response): Promise<boolean> {
  if (!response.ok && response.status !== 400) return true;
  const payload: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  if (!response.ok) return !refusal.safeParse(payload).success;
  return !(Object.hasOwn(answers, endpoint) && answers[endpoint as Endpoint].safeParse(payload).success);
}
