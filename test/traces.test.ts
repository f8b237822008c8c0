import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { engineTiming } from '../src/modal/engine-span.ts';
import { otlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.ts';
import { startServer } from './helpers/server.ts';

// Which of the tracing packages the server imported: each is imported only by src/observability/traces.ts.
const imported = vi.hoisted(() => new Set<string>());
vi.mock('@opentelemetry/sdk-trace-node', async (original) => {
  imported.add('@opentelemetry/sdk-trace-node');
  return original();
});
vi.mock('@opentelemetry/exporter-trace-otlp-proto', async (original) => {
  imported.add('@opentelemetry/exporter-trace-otlp-proto');
  return original();
});
vi.mock('@envelop/opentelemetry', async (original) => {
  imported.add('@envelop/opentelemetry');
  return original();
});

const DASHBOARD = readFileSync(new URL('../operations/dashboard.graphql', import.meta.url), 'utf8');

let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
beforeAll(async () => {
  receiver = await otlpReceiver();
});
afterAll(() => receiver.close());

/** One dashboard request on a new server (its caches cold, so the engine is called), closed after it. */
async function dashboardOnce(env: Record<string, string>) {
  const server = await startServer(env);
  try {
    const response = await server.gql(DASHBOARD);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.areas.nodes).toHaveLength(33);
  } finally {
    // Closing the app sends the spans still queued.
    await server.close();
  }
  return server.logs;
}

// In this order: the first server must run before anything imported the SDK.
describe.sequential('traces', () => {
  it('without OTEL_EXPORTER_OTLP_ENDPOINT nothing of the SDK is imported and nothing is sent', async () => {
    const logs = await dashboardOnce({});
    expect([...imported]).toEqual([]);
    expect(receiver.exports).toEqual([]);
    expect(logs.filter((line) => line.event.startsWith('traces.'))).toEqual([]);
  });

  it('one dashboard request is one trace at the receiver, down to the engine span under the call that reached it', async () => {
    const logs = await dashboardOnce({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'veo-bff-test' });
    expect(imported).toEqual(
      new Set(['@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-proto', '@envelop/opentelemetry']),
    );
    expect(logs.filter((line) => line.event.startsWith('traces.'))).toEqual([
      { event: 'traces.started', serviceName: 'veo-bff-test', endpoint: receiver.url },
    ]);
    expect(receiver.exports.map((e) => [e.path, e.contentType])).toContainEqual(['/v1/traces', 'application/x-protobuf']);

    const spans = receiver.spans();
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['veo-bff-test']));
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);
    const named = (prefix: string) => spans.filter((s) => s.name.startsWith(prefix));
    const under = (s: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
      const parent = parentOf(s);
      return parent !== undefined && (parent === ancestor || under(parent, ancestor));
    };

    // The request, and the phases of its operation right under it.
    const [request, ...otherRoots] = spans.filter((s) => s.parentSpanId === '');
    expect(otherRoots).toEqual([]);
    expect(request).toMatchObject({ name: 'POST /graphql', kind: 2, attributes: { 'http.response.status_code': 200 } });
    for (const name of ['graphql.parse', 'graphql.validate', 'query.Dashboard']) {
      expect(named(name).map((s) => parentOf(s)?.name)).toEqual(['POST /graphql']);
    }
    const [execution] = named('query.Dashboard');

    // Each loader batch under the execution; cache lookups, then the engine calls on a miss, under them.
    const loaders = named('loader ');
    expect(loaders.map((s) => s.name).sort()).toEqual(['loader allAreas', 'loader crime', 'loader schools']);
    for (const loader of loaders) expect(under(loader, execution!)).toBe(true);
    const caches = named('cache ');
    expect(caches.map((s) => s.name).sort()).toEqual(['cache area', 'cache crime', 'cache schools']);
    for (const cache of caches) expect(loaders).toContain(parentOf(cache));
    const calls = named('engine ');
    expect(calls.map((s) => s.name).sort()).toEqual(['engine areas', 'engine crime', 'engine schools']);
    for (const call of calls) {
      expect(call).toMatchObject({ kind: 3, attributes: { 'veo.engine.target': 'local', 'http.response.status_code': 200 } });
      expect(caches).toContain(parentOf(call));
    }

    // The engine's own span, from its Server-Timing, under the call that reached it and within it.
    const engineSpans = named('veo-engine ');
    expect(engineSpans).toHaveLength(calls.length);
    for (const engine of engineSpans) {
      const call = parentOf(engine)!;
      expect(call.name).toBe(engine.name.replace('veo-engine', 'engine'));
      expect(engine.kind).toBe(2);
      expect(engine.startNs).toBeGreaterThanOrEqual(call.startNs);
      // The SDK starts its spans at Date.now(), to the millisecond: the call's end may be up to 1 ms early.
      expect(engine.endNs).toBeLessThanOrEqual(call.endNs + 1_000_000n);
      expect(engine.attributes['veo.engine.reported_start_ms']).toBeUndefined();
    }
  });
});

describe('the engine timing the BFF reads', () => {
  it('is the engine metric of Server-Timing, with its start and duration', () => {
    expect(engineTiming('engine;start=1700000000123.457;dur=4.200')).toEqual({ start: 1700000000123.457, dur: 4.2 });
    expect(engineTiming('cdn;dur=1, engine ; start=5.5 ; dur=2')).toEqual({ start: 5.5, dur: 2 });
    expect(engineTiming('engine;dur=2')).toBeUndefined();
    expect(engineTiming('engine;start=5;dur=-1')).toBeUndefined();
    expect(engineTiming('other;start=5;dur=1')).toBeUndefined();
  });
});
