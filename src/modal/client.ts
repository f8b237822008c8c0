import ky, { HTTPError, TimeoutError, type KyInstance } from 'ky';
import type { z } from 'zod';
import {
  responses,
  type ExplanationRequest,
  type ExplanationStatusRequest,
  type RecommendInput,
} from './contract.ts';
import { EngineError } from './errors.ts';

export interface EngineClientOptions {
  baseUrl: string;
  timeoutMs: number;
  retries: number;
  /** Modal proxy auth (requires_proxy_auth=True on the Modal side). */
  proxyAuth?: { key: string; secret: string };
  fetch?: typeof fetch;
  /** Called once per HTTP attempt, retries included, so metrics count real calls. */
  onRequest?: (endpoint: string) => void;
}

/** The engine's routes, one method each; every answer is parsed with the contract schemas. */
export class EngineClient {
  private readonly http: KyInstance;

  constructor(private readonly options: EngineClientOptions) {
    const headers: Record<string, string> = {};
    if (options.proxyAuth) {
      headers['Modal-Key'] = options.proxyAuth.key;
      headers['Modal-Secret'] = options.proxyAuth.secret;
    }
    this.http = ky.create({
      prefixUrl: options.baseUrl,
      timeout: options.timeoutMs,
      headers,
      fetch: options.fetch,
      // Every engine route is idempotent (explanation ids are deterministic), so POST is retried too.
      retry: {
        limit: options.retries,
        methods: ['get', 'post'],
        statusCodes: [408, 429, 502, 503, 504],
        backoffLimit: 1_000,
      },
      hooks: {
        beforeRequest: [
          (request) => {
            options.onRequest?.(new URL(request.url).pathname.replace(/^\//, ''));
          },
        ],
      },
    });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  health() {
    return this.call('health', responses.health, 'get');
  }
  personas() {
    return this.call('personas', responses.personas, 'get');
  }
  areas(codes?: readonly string[]) {
    return this.call('areas', responses.areas, 'post', codes ? { codes } : {});
  }
  crime(codes: readonly string[]) {
    return this.call('crime', responses.crime, 'post', { codes });
  }
  schools(codes: readonly string[]) {
    return this.call('schools', responses.schools, 'post', { codes });
  }
  commute(pairs: readonly { from: string; to: number }[]) {
    return this.call('commute', responses.commute, 'post', { pairs });
  }
  stations(query: { search?: string; ids?: readonly number[] }) {
    return this.call('stations', responses.stations, 'post', query);
  }
  recommend(input: RecommendInput) {
    return this.call('recommend', responses.recommend, 'post', input);
  }
  submitExplanations(requests: readonly ExplanationRequest[]) {
    return this.call('explanations', responses.explanations, 'post', { requests });
  }
  /** Jobs by engine id; `rebuild` starts again a job the engine does not hold (see the contract). */
  explanationStatus(ids: readonly string[], options: { rebuild?: boolean } = {}) {
    const body: ExplanationStatusRequest = { ids, rebuild: options.rebuild === true };
    return this.call('explanations/status', responses.explanationStatus, 'post', body);
  }

  private async call<S extends z.ZodType>(
    endpoint: string,
    schema: S,
    method: 'get' | 'post',
    body?: unknown,
  ): Promise<z.infer<S>> {
    let payload: unknown;
    try {
      payload = await this.http(endpoint, { method, json: body }).json();
    } catch (error) {
      throw await toEngineError(endpoint, error);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new EngineError('UPSTREAM_BAD_RESPONSE', `The engine answered ${endpoint} in an unexpected shape`, {
        endpoint,
      });
    }
    return parsed.data;
  }
}

async function toEngineError(endpoint: string, error: unknown): Promise<EngineError> {
  if (error instanceof HTTPError) {
    const status = error.response.status;
    const body = responses.error.safeParse(await error.response.json().catch(() => null));
    if (status === 400 && body.success) {
      const { code, message, field } = body.data.error;
      return new EngineError('BAD_USER_INPUT', message, { endpoint, status, field, engineCode: code });
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
