import type { Cache } from './cache/cache.ts';
import type { ResponseCache } from './cache/response-cache.ts';
import type { Config } from './config/config.ts';
import type { ExplanationWatcher } from './explanations/watcher.ts';
import type { Loaders, RequestStats } from './loaders/loaders.ts';
import type { EngineHandle } from './modal/engine.ts';
import type { Client } from './ratelimit/clients.ts';
import type { RateLimits } from './ratelimit/rate-limits.ts';

/** What every resolver receives: the request's own loaders and the server's long-lived parts. */
export interface Context {
  loaders: Loaders;
  stats: RequestStats;
  cache: Cache;
  /** Whole answers (src/http/response-cache.ts): the admin resolvers drop those built from what they change. */
  responseCache: ResponseCache;
  engine: EngineHandle;
  config: Config;
  /** The request carried the admin token. */
  admin: boolean;
  /** The id in the log line, the x-request-id response header and Sentry events (src/lib/request-id.ts). */
  requestId: string;
  /** Who the request is charged to. */
  client: Client;
  rateLimits: RateLimits;
  /** Follows running explanation jobs for @defer waits and subscriptions. */
  explanations: ExplanationWatcher;
  /** The operation's estimated and charged cost, set by the cost plugin before execution. */
  cost?: { requested: number; actual?: number; refunded?: number };
}
