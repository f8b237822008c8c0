import type { Config } from '../config/config.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { identifyClient, type Client } from './clients.ts';
import { MemoryLimiter, UpstashLimiter } from './limiter.ts';
import { RateLimits } from './rate-limits.ts';

/** @upstash/ratelimit when Upstash is configured (shared by every instance), in-process limits otherwise. */
export function createRateLimits(config: Config, metrics: Metrics, log: Log): RateLimits {
  const upstash = config.cache.upstash;
  const limiter = upstash
    ? new UpstashLimiter({
        url: upstash.url,
        token: upstash.token,
        prefix: config.cache.prefix,
        timeoutMs: config.rateLimit.timeoutMs,
        retryMs: config.rateLimit.retryMs,
        log,
      })
    : new MemoryLimiter();
  return new RateLimits(limiter, config.rateLimit, metrics);
}

/** The client a request is charged to; the socket's peer comes from Node's request in the server context. */
export function clientResolver(config: Config['rateLimit']) {
  return (request: Request, serverContext: unknown): Client =>
    identifyClient(request, {
      apiKeys: config.apiKeys,
      trustProxyHops: config.trustProxyHops,
      platformHeaders: config.platformHeaders,
      remoteAddress: (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress,
    });
}
