import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { TimeoutError } from 'ky';
import { inSpan } from '../lib/spans.ts';
import type { EngineFetch } from './client.ts';
import { epochMs, recordEngineSpan, traceHeaders } from './engine-span.ts';

/**
 * The base URL of the client that engine.ts builds. Its requests are addressed here and sent on by the
 * fetches below to wherever the engine listens at that moment (the local child's port changes when it
 * restarts), so one client serves every engine.
 */
export const ENGINE_BASE = 'http://engine';

/** The endpoint a client request asks for: its path after the base URL ('areas', 'explanations/status'). */
export function endpointOf(request: Request): string {
  return new URL(request.url).pathname.replace(/^\//, '');
}

export interface Upstream {
  /** Which engine this is, for traces. */
  name: 'modal' | 'local';
  /** Where the engine listens now; it may wait for the engine to start, or reject with an EngineError. */
  url: () => string | Promise<string>;
  /** Bounds each call as ky's own timeout would: until the answer's headers, then a TimeoutError. */
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Called once per HTTP call, with the endpoint, so the metrics count real calls. */
  onRequest?: (endpoint: string) => void;
  /** Called when that call's answer (its headers) arrives or the call fails, with how long it took. */
  onAnswer?: (endpoint: string, seconds: number) => void;
}

/**
 * A fetch that sends a client request to one engine: Modal's web endpoint, or python/serve.py. In a traced
 * request each call is a span, its `traceparent` goes to the engine, and the engine's span comes back under it.
 */
export function upstreamFetch({ name, url, timeoutMs, headers = {}, onRequest, onAnswer }: Upstream): EngineFetch {
  return (request) => {
    const endpoint = endpointOf(request);
    const attributes = { 'veo.engine.endpoint': endpoint, 'veo.engine.target': name, 'http.request.method': request.method };
    return inSpan(
      `engine ${endpoint}`,
      attributes,
      async (span) => {
        const base = await url();
        const target = new URL(endpoint, base.endsWith('/') ? base : `${base}/`);
        const timeout = new AbortController();
        const sent = new Request(target, {
          method: request.method,
          headers: { ...Object.fromEntries(request.headers), ...headers, ...traceHeaders() },
          body: request.body ? await request.arrayBuffer() : undefined,
          signal: AbortSignal.any([request.signal, timeout.signal]),
        });
        onRequest?.(endpoint);
        const started = performance.now();
        const sentAt = epochMs();
        const timer = setTimeout(() => timeout.abort(), timeoutMs);
        try {
          const response = await fetch(sent);
          span.setAttribute('http.response.status_code', response.status);
          if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
          recordEngineSpan(span, endpoint, response.headers.get('server-timing'), sentAt, epochMs());
          return response;
        } catch (error) {
          throw timeout.signal.aborted ? new TimeoutError(sent) : error;
        } finally {
          clearTimeout(timer);
          onAnswer?.(endpoint, (performance.now() - started) / 1000);
        }
      },
      SpanKind.CLIENT,
    );
  };
}
