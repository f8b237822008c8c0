import { context, propagation, type Span, SpanKind, trace } from '@opentelemetry/api';
import { TRACER_NAME } from '../lib/spans.ts';

/**
 * The engine's part of a traced call. The call carries the W3C `traceparent` of its span; the engine logs it
 * and answers with its own timing, `Server-Timing: engine;start=<ms since the epoch>;dur=<ms>` (python/engine/
 * tracing.py), which becomes the engine's span under the call's: one trace covers the BFF and the engine.
 */

/** The trace context of the active span as headers (`traceparent`); none while nothing is traced. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Now in ms since the epoch, finer than Date.now(): the engine's own figures have microseconds. */
export const epochMs = () => performance.timeOrigin + performance.now();

/**
 * Records the engine's span under `call`, the span of the HTTP call that got `serverTiming` back, which was
 * sent at `sentAt` and answered at `answeredAt` (ms since the epoch). The engine's duration is kept as it
 * said; its start too, unless the two clocks disagree so much that it would fall outside the call (Modal's
 * machines): then it is placed as late as it fits, and its own start is kept as an attribute. (Within the
 * call to the millisecond: the SDK starts a span at Date.now(), so the call's recorded end may be that early.)
 */
export function recordEngineSpan(call: Span, endpoint: string, serverTiming: string | null, sentAt: number, answeredAt: number) {
  const timing = serverTiming === null ? undefined : engineTiming(serverTiming);
  if (!timing || !call.isRecording()) return;
  const duration = Math.min(timing.dur, answeredAt - sentAt);
  const start = Math.max(sentAt, Math.min(timing.start, answeredAt - duration));
  const span = trace.getTracer(TRACER_NAME).startSpan(
    `veo-engine ${endpoint}`,
    {
      kind: SpanKind.SERVER,
      startTime: start,
      attributes: {
        'veo.engine.endpoint': endpoint,
        ...(start === timing.start ? {} : { 'veo.engine.reported_start_ms': timing.start }),
      },
    },
    trace.setSpan(context.active(), call),
  );
  span.end(start + duration);
}

/** `start` and `dur` of the `engine` metric of a Server-Timing header, if it has both as numbers. */
export function engineTiming(header: string): { start: number; dur: number } | undefined {
  for (const metric of header.split(',')) {
    const [name, ...params] = metric.split(';').map((part) => part.trim());
    if (name !== 'engine') continue;
    const values = new Map(params.map((param) => param.split('=', 2).map((part) => part.trim()) as [string, string | undefined]));
    const start = Number(values.get('start'));
    const dur = Number(values.get('dur'));
    return Number.isFinite(start) && Number.isFinite(dur) && dur >= 0 ? { start, dur } : undefined;
  }
  return undefined;
}
