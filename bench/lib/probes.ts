// Measurements made one request at a time with fetch: data comparison, cold/warm latency, @defer timing.
import { body } from './documents.ts';

export const JSON_ACCEPT = 'application/graphql-response+json, application/json';

export interface Answer {
  status: number;
  ms: number;
  json: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[]; extensions?: unknown };
}

/** One POST /graphql, timed from send to the parsed answer. */
export async function gql(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_ACCEPT, ...headers },
    body: body(query, variables),
  });
  const json = (await response.json()) as Answer['json'];
  return { status: response.status, ms: performance.now() - started, json };
}

export function problem(answer: Answer): string | undefined {
  if (answer.status !== 200) return `HTTP ${answer.status} ${answer.json.errors?.[0]?.extensions?.code ?? ''}`.trim();
  if (answer.json.errors?.length) return `${answer.json.errors[0]!.extensions?.code ?? 'error'}: ${answer.json.errors[0]!.message}`;
  if (answer.json.data == null) return 'no data';
  return undefined;
}

/** Where two JSON values first differ (a path), or undefined when equal as serialized, key order included. */
export function firstDifference(a: unknown, b: unknown, path = 'data'): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    const ka = Object.keys(a).join(',');
    const kb = Object.keys(b).join(',');
    if (ka !== kb) return `${path}: keys ${ka} vs ${kb}`;
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 60)} vs ${JSON.stringify(b)?.slice(0, 60)}`;
}

/** Each query once, in order, with `concurrency` in flight: per-request latency and the failures. */
export async function timedEach(
  url: string,
  headers: Record<string, string>,
  query: string,
  variablesList: Record<string, unknown>[],
  concurrency: number,
  onAnswer?: (answer: Answer) => void,
): Promise<{ times: number[]; failures: string[] }> {
  const times: number[] = [];
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < variablesList.length) {
        const answer = await gql(url, headers, query, variablesList[next++]);
        times.push(answer.ms);
        onAnswer?.(answer);
        const p = problem(answer);
        if (p) failures.push(p);
      }
    }),
  );
  return { times, failures };
}

export interface DeferTiming {
  /** Until the first part (the ranked list) arrived. */
  firstMs: number;
  /** Until the response ended (every deferred explanation sent). */
  lastMs: number;
  parts: number;
  ready: number;
  total: number;
}

/**
 * A query with @defer, `accept: multipart/mixed`: times the first part and the end of the stream, and counts
 * the explanations that arrived READY (the rest were sent as they were when the server stopped waiting).
 */
export async function deferTiming(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
): Promise<DeferTiming> {
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed', ...headers },
    body: body(query, variables),
  });
  const type = response.headers.get('content-type') ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  if (!type.includes('multipart/mixed') || !boundary) throw new Error(`not a multipart answer: HTTP ${response.status} ${type}`);
  const delimiter = `\r\n--${boundary}`;
  const decoder = new TextDecoder();
  let text = '';
  let firstMs = NaN;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (Number.isNaN(firstMs)) firstMs = performance.now() - started;
    text += decoder.decode(chunk, { stream: true });
  }
  const lastMs = performance.now() - started;
  // Each part: headers, a blank line, one JSON object. Count explanation statuses wherever they appear.
  const parts = text
    .split(delimiter)
    .map((raw) => raw.slice(raw.indexOf('\r\n\r\n') + 4).trim())
    .filter((json) => json.startsWith('{'))
    .map((json) => JSON.parse(json) as unknown);
  const statuses = [...JSON.stringify(parts).matchAll(/"status":"(PENDING|READY|FAILED)"/g)].map((m) => m[1]);
  return { firstMs, lastMs, parts: parts.length, ready: statuses.filter((s) => s === 'READY').length, total: statuses.length };
}
