import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import { bearerToken } from '../lib/bearer.ts';

/**
 * Who may read /metrics on the public port:
 * - `port`: nobody, it is served on its own listener on 127.0.0.1 (METRICS_PORT);
 * - `token`: a request with `Authorization: Bearer <METRICS_TOKEN>`;
 * - `off`: nobody (production with neither setting: the figures are not for the world to read);
 * - `open`: anyone (outside production with neither setting, for tests, benchmarks and a laptop).
 */
export type MetricsAccess = 'port' | 'token' | 'off' | 'open';

export function metricsAccess(config: Pick<Config, 'env' | 'metrics'>): MetricsAccess {
  if (config.metrics.port !== undefined) return 'port';
  if (config.metrics.token) return 'token';
  return config.env === 'production' ? 'off' : 'open';
}

/**
 * Whether an Authorization header is `Bearer <token>`. Both sides are hashed first so the comparison takes
 * the same time whatever the length or content of what was sent.
 */
function bearerMatches(header: string | null | undefined, token: string): boolean {
  const sent = bearerToken(header);
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(sent), digest(token));
}

const UNAUTHORIZED_BODY = JSON.stringify({
  errors: [{ message: '/metrics needs Authorization: Bearer <METRICS_TOKEN>.', extensions: { code: 'UNAUTHENTICATED' } }],
});
const UNAUTHORIZED_HEADERS = { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"' };

/** The scrape: 200 with the registry's text, or 401 when a token is set and the request does not carry it. */
export async function scrape(registry: Registry, authorization: string | null | undefined, token: string | undefined) {
  if (token !== undefined && !bearerMatches(authorization, token)) {
    return { status: 401, headers: UNAUTHORIZED_HEADERS, body: UNAUTHORIZED_BODY };
  }
  return { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' }, body: await registry.metrics() };
}
