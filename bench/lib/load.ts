// Load with autocannon's programmatic API. autocannon ships no types and @types/autocannon stops at 7.x, so
// the few options and result fields used here are typed below.

import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { type Latency, latency } from './stats.ts';

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonClient {
  setRequests(requests: AutocannonRequest[]): void;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
  setupClient?: (client: AutocannonClient) => void;
  verifyBody?: (body: string) => boolean;
  timeout?: number;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Instance = EventEmitter & PromiseLike<AutocannonResult> & { stop(): void };
const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => Instance;

/** Instances running now, so an interrupted benchmark can stop them. */
const running = new Set<Instance>();
export function stopLoad(): void {
  for (const instance of running) instance.stop();
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  latency: Latency;
  /** Every latency in ms, ascending (percentiles of several runs are taken over their times together). */
  times: number[];
  /** Connection errors, timeouts, and 2xx answers whose body holds GraphQL `errors`. */
  errors: number;
  non2xx: number;
  status: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A different request list per connection (cycled), for a mix. */
  requestsFor?: (connection: number) => AutocannonRequest[];
  /** GraphQL answers: a body with "errors" counts as an error even when the status is 200. */
  graphql?: boolean;
}

/** One closed-loop run: each connection sends its next request as soon as the last one is answered. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const times: number[] = [];
  let connection = 0;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    timeout: 30,
    setupClient: options.requestsFor ? (client) => client.setRequests(options.requestsFor!(connection++)) : undefined,
    // Only for 2xx answers: a cheap check, so the load generator spends its CPU on sending.
    verifyBody: options.graphql ? (text) => !text.includes('"errors"') : undefined,
  });
  running.add(instance);
  // Latency of every answer, whatever its status, measured by autocannon (request written to response complete).
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
  try {
    const result = await instance;
    const status = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
    return {
      requests: times.length,
      seconds: result.duration,
      rps: times.length / result.duration,
      latency: latency(times),
      times,
      errors: result.errors + result.mismatches,
      non2xx: result.non2xx,
      status,
    };
  } finally {
    running.delete(instance);
  }
}

/**
 * A k6-style ramp with closed-loop clients: client i of `peak` joins at i/peak of the ramp-up, all hold, and
 * they leave one by one over the ramp-down. Each client is one autocannon instance with one connection.
 */
export async function rampedLoad(options: {
  url: string;
  peak: number;
  rampUpS: number;
  holdS: number;
  rampDownS: number;
  headers: Record<string, string>;
  requestsFor: (client: number) => AutocannonRequest[];
  onProgress?: (clients: number) => void;
}): Promise<LoadResult & { perClient: LoadResult[] }> {
  const { peak, rampUpS, holdS, rampDownS } = options;
  let active = 0;
  const started = performance.now();
  const clients = Array.from({ length: peak }, async (_, i) => {
    const joinS = (i / peak) * rampUpS;
    const leaveS = rampUpS + holdS + ((peak - i) / peak) * rampDownS; // the last to join leaves first
    await new Promise((resolve) => setTimeout(resolve, joinS * 1000));
    options.onProgress?.(++active);
    try {
      return await load({
        url: options.url,
        connections: 1,
        seconds: Math.max(1, Math.round(leaveS - joinS)),
        method: 'POST',
        headers: options.headers,
        requestsFor: () => options.requestsFor(i),
        graphql: true,
      });
    } finally {
      options.onProgress?.(--active);
    }
  });
  const perClient = await Promise.all(clients);
  const seconds = (performance.now() - started) / 1000;
  const status: Record<string, number> = {};
  for (const r of perClient) for (const [code, n] of Object.entries(r.status)) status[code] = (status[code] ?? 0) + n;
  const requests = perClient.reduce((s, r) => s + r.requests, 0);
  const times = perClient.flatMap((r) => r.times);
  return {
    requests,
    seconds,
    rps: requests / seconds,
    latency: latency(times),
    times,
    errors: perClient.reduce((s, r) => s + r.errors, 0),
    non2xx: perClient.reduce((s, r) => s + r.non2xx, 0),
    status,
    perClient,
  };
}
