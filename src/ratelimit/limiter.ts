import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { upstashClient } from '../cache/upstash-client.ts';
import { CircuitBreaker } from '../modal/circuit-breaker.ts';
import type { Log } from '../observability/logger.ts';

/** A budget of cost points that refills at the end of each fixed window. */
export interface Budget {
  name: string;
  points: number;
  windowMs: number;
}

export interface Decision {
  success: boolean;
  limit: number;
  remaining: number;
  /** When the window ends, ms since the epoch. */
  reset: number;
  store: 'redis' | 'memory';
}

/** Charges cost points to a client's budget. Both stores count the same way (fixed windows, INCRBY). */
export interface Limiter {
  limit(budget: Budget, id: string, cost: number): Promise<Decision>;
  /** The budget's state without charging it. */
  peek(budget: Budget, id: string): Promise<Decision>;
}

/**
 * The in-process store, with @upstash/ratelimit's fixed-window semantics (which has no in-memory store):
 * windows aligned to multiples of their length, every call counted, success while the count stays within.
 */
export class MemoryLimiter implements Limiter {
  private readonly used = new Map<string, { window: number; count: number; windowMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async limit(budget: Budget, id: string, cost: number): Promise<Decision> {
    const window = Math.floor(this.now() / budget.windowMs);
    const key = `${budget.name}:${id}`;
    const current = this.used.get(key);
    const count = (current?.window === window ? current.count : 0) + cost;
    this.used.set(key, { window, count, windowMs: budget.windowMs });
    if (this.used.size > 50_000) this.sweep();
    return this.decision(budget, window, count, count <= budget.points);
  }

  async peek(budget: Budget, id: string): Promise<Decision> {
    const window = Math.floor(this.now() / budget.windowMs);
    const current = this.used.get(`${budget.name}:${id}`);
    const count = current?.window === window ? current.count : 0;
    return this.decision(budget, window, count, count < budget.points);
  }

  private decision(budget: Budget, window: number, count: number, success: boolean): Decision {
    return {
      success,
      limit: budget.points,
      remaining: Math.max(0, budget.points - count),
      reset: (window + 1) * budget.windowMs,
      store: 'memory',
    };
  }

  /** Drops the counts of windows that have ended, so idle clients do not pile up. */
  private sweep() {
    const now = this.now();
    for (const [key, value] of this.used) {
      if ((value.window + 1) * value.windowMs < now) this.used.delete(key);
    }
    if (this.used.size > 50_000) this.used.clear();
  }
}

export interface UpstashLimiterOptions {
  url: string;
  token: string;
  prefix: string;
  /** Past this the store counts as away for this call. */
  timeoutMs: number;
  /** After a failure, how long to use the in-process limits before trying Upstash again. */
  retryMs: number;
  log: Log;
}

/**
 * @upstash/ratelimit, shared by every instance; while it is away the in-process limiter answers (with
 * per-instance counts) and Upstash is tried again after `retryMs`.
 */
export class UpstashLimiter implements Limiter {
  private readonly redis: Redis;
  private readonly limiters = new Map<string, Ratelimit>();
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly options: UpstashLimiterOptions,
    private readonly fallback: Limiter = new MemoryLimiter(),
  ) {
    this.redis = upstashClient(options.url, options.token, options.timeoutMs);
    this.breaker = new CircuitBreaker(1, options.retryMs);
  }

  get state() {
    return this.breaker.state;
  }

  limit(budget: Budget, id: string, cost: number): Promise<Decision> {
    return this.attempt(
      async () => {
        const r = await this.ratelimit(budget).limit(id, { rate: cost });
        if (r.reason === 'timeout') throw new Error('the rate-limit store timed out');
        return { success: r.success, limit: r.limit, remaining: Math.max(0, r.remaining), reset: r.reset, store: 'redis' as const };
      },
      () => this.fallback.limit(budget, id, cost),
    );
  }

  peek(budget: Budget, id: string): Promise<Decision> {
    return this.attempt(
      async () => {
        const r = await this.ratelimit(budget).getRemaining(id);
        return { success: r.remaining > 0, limit: r.limit, remaining: Math.max(0, r.remaining), reset: r.reset, store: 'redis' as const };
      },
      () => this.fallback.peek(budget, id),
    );
  }

  private attempt(call: () => Promise<Decision>, fallback: () => Promise<Decision>): Promise<Decision> {
    return this.breaker.guard(call, fallback, (error) =>
      this.options.log('ratelimit.store.failed', { message: error.message, fallbackForMs: this.options.retryMs }),
    );
  }

  private ratelimit(budget: Budget): Ratelimit {
    const key = `${budget.name}:${budget.points}:${budget.windowMs}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: this.redis,
        limiter: Ratelimit.fixedWindow(budget.points, `${budget.windowMs} ms`),
        prefix: `${this.options.prefix}:rl:${budget.name}`,
        timeout: this.options.timeoutMs,
        analytics: false,
        // Its block cache would keep refusing a client locally after another instance saw the window reset.
        ephemeralCache: false,
      });
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}
