import { type Attributes, INVALID_SPAN_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** The tracer the server's own spans come from (observability/traces.ts starts the SDK behind it). */
export const TRACER_NAME = 'veo-bff';

/** What `fn` gets when nothing is traced: a span that records nothing, so callers never check. */
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Whether a recording span is active: without one, a caller may skip building a span's name and attributes. */
export function recording(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
}

/**
 * Runs `fn` in a child span of the active span, which ends when `fn` settles (a rejection is recorded on it).
 * Without a recording span active it only runs `fn`: with tracing off (@opentelemetry/api is a no-op without
 * an SDK), and for work outside a traced request (readiness probes, the hit path, background refreshes), which
 * would otherwise each start a trace of their own.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  if (!recording()) return fn(NOT_RECORDING);
  // Asked for each span, not kept: a tracer stays with the provider it came from, and tracing starts and
  // stops with each app (tests build several in one process).
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed with the error's message. */
export function failed(span: Span, error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : message);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
