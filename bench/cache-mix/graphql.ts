/** One GraphQL POST and what came of it, as the benchmark's client sees it. */

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
  extensions?: { stale?: unknown };
}

export interface Answered {
  status: number;
  body: GraphQLBody;
  /** Date.now() when the request was sent and when its answer was parsed: the clock the server's TTLs use. */
  sentAt: number;
  answeredAt: number;
  /** Client-side latency, request sent to answer parsed. */
  ms: number;
}

/**
 * Sends a query (or mutation) as JSON. `requestId` goes as `x-request-id`, which the server takes as the id
 * of its request log line: the benchmark finds each answer's line by it.
 */
export async function post(
  url: string,
  request: { query: string; variables?: Record<string, unknown> },
  requestId: string,
  headers: Record<string, string> = {},
): Promise<Answered> {
  const sentAt = Date.now();
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      'x-request-id': requestId,
      ...headers,
    },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as GraphQLBody;
  return { status: response.status, body, sentAt, answeredAt: Date.now(), ms: performance.now() - started };
}

/** Why an answer does not count as a good one (not 200, errors, no data, marked stale), or undefined. */
export function problemOf({ status, body }: Answered): string | undefined {
  if (status !== 200 || body.errors?.length || body.data == null) {
    const first = body.errors?.[0];
    return `HTTP ${status} ${first?.extensions?.code ?? ''} ${first?.message ?? 'no data'}`.trim();
  }
  if (body.extensions?.stale) return 'answered from a stale copy';
  return undefined;
}
