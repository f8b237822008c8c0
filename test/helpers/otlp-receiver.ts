import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP receiver reads it, ids in hex, times in ns since the epoch. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
}

interface ReceivedExport {
  path: string;
  contentType: string;
  spans: ReceivedSpan[];
}

/**
 * A local OTLP/HTTP receiver: records every export request it gets, decoded from protobuf
 * (application/x-protobuf, what the server's exporter sends) or JSON (application/json), and answers each
 * with an empty success.
 */
export async function otlpReceiver() {
  const exports: ReceivedExport[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      const json = contentType.startsWith('application/json');
      exports.push({ path: req.url ?? '', contentType, spans: json ? fromJson(JSON.parse(body.toString('utf8'))) : fromProtobuf(body) });
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    spans: () => exports.flatMap((e) => e.spans),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// OTLP/JSON: ids are hex strings, times are decimal strings, values are { stringValue | intValue | ... }.

interface JsonKeyValue {
  key: string;
  value: Record<string, unknown>;
}

function fromJson(request: any): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs: any) => {
    const service = String(jsonAttributes(rs.resource?.attributes)['service.name'] ?? '');
    return (rs.scopeSpans ?? []).flatMap((ss: any) =>
      (ss.spans ?? []).map(
        (s: any): ReceivedSpan => ({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: jsonAttributes(s.attributes),
        }),
      ),
    );
  });
}

function jsonAttributes(list: JsonKeyValue[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
}

// OTLP/protobuf, read with just enough of the wire format for traces (opentelemetry-proto's trace.proto):
// ExportTraceServiceRequest { 1: ResourceSpans } · ResourceSpans { 1: Resource { 1: KeyValue }, 2: ScopeSpans }
// ScopeSpans { 2: Span } · Span { 1: trace_id, 2: span_id, 4: parent_span_id, 5: name, 6: kind,
// 7: start_time_unix_nano (fixed64), 8: end_time_unix_nano (fixed64), 9: KeyValue }
// KeyValue { 1: key, 2: AnyValue { 1: string, 2: bool, 3: int, 4: double } }

type Field = Buffer | bigint;

/** Every field of a message by number, in order; length-delimited and fixed-width ones as bytes. */
function fields(buffer: Buffer): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  const take = (length: number) => {
    at += length;
    return buffer.subarray(at - length, at);
  };
  while (at < buffer.length) {
    const key = varint();
    const wireType = Number(key & 7n);
    const value = wireType === 0 ? varint() : wireType === 1 ? take(8) : wireType === 2 ? take(Number(varint())) : take(4);
    const number = Number(key >> 3n);
    out.set(number, [...(out.get(number) ?? []), value]);
  }
  return out;
}

const all = (message: Map<number, Field[]>, n: number) => (message.get(n) ?? []) as Buffer[];
const one = (message: Map<number, Field[]>, n: number) => message.get(n)?.[0];

function fromProtobuf(body: Buffer): ReceivedSpan[] {
  return all(fields(body), 1).flatMap((resourceSpans) => {
    const rs = fields(resourceSpans);
    const resource = one(rs, 1) as Buffer | undefined;
    const service = String(protobufAttributes(resource ? all(fields(resource), 1) : [])['service.name'] ?? '');
    return all(rs, 2).flatMap((scopeSpans) =>
      all(fields(scopeSpans), 2).map((bytes): ReceivedSpan => {
        const span = fields(bytes);
        const hex = (n: number) => ((one(span, n) as Buffer | undefined) ?? Buffer.alloc(0)).toString('hex');
        return {
          service,
          traceId: hex(1),
          spanId: hex(2),
          parentSpanId: hex(4),
          name: (one(span, 5) as Buffer).toString('utf8'),
          kind: Number(one(span, 6) ?? 0n),
          startNs: (one(span, 7) as Buffer).readBigUInt64LE(),
          endNs: (one(span, 8) as Buffer).readBigUInt64LE(),
          attributes: protobufAttributes(all(span, 9)),
        };
      }),
    );
  });
}

function protobufAttributes(keyValues: Buffer[]): Record<string, unknown> {
  return Object.fromEntries(
    keyValues.map((bytes) => {
      const kv = fields(bytes);
      return [(one(kv, 1) as Buffer).toString('utf8'), anyValue((one(kv, 2) as Buffer | undefined) ?? Buffer.alloc(0))];
    }),
  );
}

/** An AnyValue's string, bool, int or double (arrays, maps and bytes are not needed here). */
function anyValue(bytes: Buffer): unknown {
  const [which, [raw] = []] = [...fields(bytes)][0] ?? [0, []];
  if (which === 1) return (raw as Buffer).toString('utf8');
  if (which === 2) return raw === 1n;
  if (which === 3) return Number(BigInt.asIntN(64, raw as bigint));
  if (which === 4) return (raw as Buffer).readDoubleLE();
  return undefined;
}
