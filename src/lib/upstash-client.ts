import { Redis } from '@upstash/redis';

/**
 * An Upstash client for a request path: every round trip bounded by `timeoutMs`, no retries (the client
 * retries five times with backoff by default), no telemetry, and commands sent when called, not batched.
 */
export function upstashClient(url: string, token: string, timeoutMs: number): Redis {
  return new Redis({
    url,
    token,
    retry: { retries: 0 },
    signal: () => AbortSignal.timeout(timeoutMs),
    enableTelemetry: false,
    enableAutoPipelining: false,
  });
}
