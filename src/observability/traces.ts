import {
  context,
  DiagLogLevel,
  diag,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Plugin } from 'graphql-yoga';
import type { ObservabilityConfig } from '../config/observability-env.ts';
import { failed, TRACER_NAME } from '../lib/spans.ts';
import type { Log } from './logger.ts';

type TracesConfig = NonNullable<ObservabilityConfig['traces']>;

export interface Tracing {
  /** Spans for each request to the GraphQL path: the request, parse, validate and execute. */
  plugin: Plugin;
  /** Sends the spans queued so far, waiting at most `timeoutMs` (a serverless function, after each request). Never rejects. */
  flush(timeoutMs: number): Promise<void>;
  /** Sends the spans still queued (waiting at most `timeoutMs`), then stops tracing. Never rejects. */
  close(timeoutMs: number): Promise<void>;
}

/** What the SDK's dynamic imports give, once started. */
interface Started {
  provider: import('@opentelemetry/sdk-trace-node').NodeTracerProvider;
  /** @envelop/opentelemetry's plugin: the span of each execution (and subscription). */
  execution: Pick<Plugin, 'onExecute' | 'onSubscribe'>;
  /** Whether the global API is ours (another SDK, Sentry's, may have taken it first). */
  registered: boolean;
}

/**
 * OpenTelemetry traces, exported over OTLP/HTTP (protobuf) when OTEL_EXPORTER_OTLP_ENDPOINT is set; without it
 * this returns nothing and neither the SDK nor the exporter is ever imported. Each GraphQL request is a trace:
 * its HTTP span, with graphql.parse, graphql.validate and the execution (@envelop/opentelemetry) under it, and
 * under the execution the spans that loaders/, cache/ and modal/ make through @opentelemetry/api (lib/spans.ts),
 * down to the engine's own span (modal/engine-span.ts). Responses of the hit path (src/http/hit-path) are
 * answered before Yoga, and are not traced.
 */
export function createTracing(config: TracesConfig | undefined, graphqlPath: string, log: Log): Tracing | undefined {
  if (!config) return undefined;
  let sdk: Started | undefined;
  const ready = startSdk(config, log).then(
    (started) => {
      sdk = started;
      return started;
    },
    (error: Error) => {
      log('traces.failed', { message: error.message });
      return undefined;
    },
  );
  /** The HTTP span of each traced request, for its status when the response is known. */
  const requestSpans = new WeakMap<Request, Span>();

  const traceRequest = (request: Request, wrapped: () => Promise<void> | void): Promise<void> => {
    const span = trace.getTracer(TRACER_NAME).startSpan(
      `${request.method} ${graphqlPath}`,
      // A new trace for each request: a `traceparent` sent by a client (anyone, on a public API) is not followed.
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': graphqlPath } },
      ROOT_CONTEXT,
    );
    requestSpans.set(request, span);
    return context.with(trace.setSpan(ROOT_CONTEXT, span), async () => {
      try {
        await wrapped();
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };

  /** A phase of an operation (parse, validate) as a span of the request's trace. */
  const phase = (name: string, wrapped: () => void) => {
    if (!sdk || !trace.getActiveSpan()?.isRecording()) return wrapped();
    trace.getTracer(TRACER_NAME).startActiveSpan(name, (span) => {
      try {
        wrapped();
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };

  /** The execution's hooks, only inside a traced request (an execution outside one would start a trace of its own). */
  const execution = () => (sdk && trace.getActiveSpan()?.isRecording() ? sdk.execution : undefined);

  const plugin: Plugin = {
    instrumentation: {
      request({ request }, wrapped) {
        if (new URL(request.url).pathname !== graphqlPath) return wrapped();
        if (sdk) return traceRequest(request, wrapped);
        // Only requests that arrive while the SDK is loading wait for it (a few milliseconds, once).
        return ready.then((started) => (started ? traceRequest(request, wrapped) : wrapped()));
      },
      parse: (_payload, wrapped) => phase('graphql.parse', wrapped),
      validate: (_payload, wrapped) => phase('graphql.validate', wrapped),
    },
    onExecute: (payload) => execution()?.onExecute?.(payload),
    onSubscribe: (payload) => execution()?.onSubscribe?.(payload),
    onResponse({ request, response }) {
      const span = requestSpans.get(request);
      if (!span) return;
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
    },
  };

  /** Waits for `work` on the provider at most `timeoutMs` (an unreachable receiver is retried for longer). */
  const bounded = async (work: (provider: Started['provider']) => Promise<void>, timeoutMs: number) => {
    const started = await ready;
    if (!started) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const done = work(started.provider).catch((error: Error) => log('traces.failed', { message: error.message }));
    await Promise.race([done, deadline]);
    clearTimeout(timer);
    return started;
  };

  return {
    plugin,
    flush: async (timeoutMs) => {
      await bounded((provider) => provider.forceFlush(), timeoutMs);
    },
    async close(timeoutMs) {
      const started = await bounded((provider) => provider.shutdown(), timeoutMs);
      if (!started?.registered) return;
      // Handed back, so that a later app of this process (tests build several) can start tracing again.
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

/** Imports and starts the SDK: a provider with the OTLP exporter, registered as the global one. */
async function startSdk(config: TracesConfig, log: Log): Promise<Started> {
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { defaultResource, resourceFromAttributes },
    { useOpenTelemetry },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
    import('@envelop/opentelemetry'),
  ]);
  // The SDK's own failures (an export the receiver refused or never answered) are logged, not thrown.
  diag.setLogger(
    {
      error: (message) => log('traces.diag', { level: 'error', message }),
      warn: (message) => log('traces.diag', { level: 'warn', message }),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': config.serviceName })),
    // Batched: spans leave every few seconds (OTEL_BSP_SCHEDULE_DELAY), and at shutdown.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.endpoint.replace(/\/+$/, '')}/v1/traces` }))],
  });
  // The AsyncLocalStorage context (a span started in a loader finds its request's) and the W3C propagator.
  provider.register();
  const global = trace.getTracerProvider();
  const registered = global instanceof ProxyTracerProvider && global.getDelegate() === provider;
  if (!registered) log('traces.failed', { message: 'another OpenTelemetry SDK (Sentry?) already holds the global tracer provider' });
  else log('traces.started', { serviceName: config.serviceName, endpoint: new URL(config.endpoint).origin });
  return {
    provider,
    // Internal: the request's span is the SERVER one. No variables, results or per-field spans: they carry
    // what clients sent and would multiply the spans of a dashboard by its fields.
    // (Its context type names a symbol of its own, which it sets itself.)
    execution: useOpenTelemetry({ variables: false, result: false, resolvers: false }, provider, SpanKind.INTERNAL) as Plugin,
    registered,
  };
}
