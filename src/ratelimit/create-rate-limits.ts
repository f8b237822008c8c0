import type { Config } from '../config/config.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type Client, type HeaderSource, identifyClient } from './clients.ts';
import { MemoryLimiter } from './memory-limiter.ts';
import { RateLimits } from './rate-limits.ts';
import { UpstashLimiter } from './upstash-limiter.ts';

/** Budgets in Upstash when it is configured (shared by every instance), in-process otherwise. */
export function createRateLimits(config: Config, metrics: Metrics, log: Log): RateLimits {
  const upstash = config.cache.upstash;
  metrics.rateLimitDegraded.set(0);
  const limiter = upstash
    ? new UpstashLimiter({
        url: upstash.url,
        token: upstash.token,
        prefix: config.cache.prefix,
        timeoutMs: config.rateLimit.timeoutMs,
        retryMs: config.rateLimit.retryMs,
        degradedFraction: config.rateLimit.degradedFraction,
        onDegraded: (degraded) => metrics.rateLimitDegraded.set(degraded ? 1 : 0),
        watchBreaker: metrics.watchBreaker,
        log,
      })
    : new MemoryLimiter();
  return new RateLimits(limiter, config.rateLimit, metrics);
}

/** The client a request is charged to; the socket's peer comes from Node's request in the server context. */
export function clientResolver(config: Config['rateLimit']) {
  return (request: HeaderSource, serverContext: unknown): Client => {
    const socket = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket;
    return identifyClient(request, {
      apiKeys: config.apiKeys,
      trustProxyHops: config.trustProxyHops,
      platformHeaders: config.platformHeaders,
      remoteAddress: socket?.remoteAddress,
      connection: socket,
    });
  };
}
