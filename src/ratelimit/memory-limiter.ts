import { LRUCache } from 'lru-cache';
import { type BucketState, type Budget, msUntil, refilled } from './bucket.ts';
import { type Charge, type Decision, type Limiter, type Outcome, wholePoints } from './limiter.ts';

/** A bucket as this store keeps it: with its size, which differs from the budget's while degraded. */
export interface StoredBucket extends BucketState {
  points: number;
}

/** The bucket a client starts from when this store holds none for it: full, by default. */
export type Seed = (budget: Budget, id: string, now: number) => StoredBucket;

const fullBucket: Seed = (budget, _id, now) => ({ tokens: budget.points, refilledAt: now, points: budget.points });

/** Buckets of idle clients; a full bucket is not stored at all, so this bounds the clients mid-refill. */
const MAX_BUCKETS = 50_000;

/**
 * The in-process store, with the same semantics as the Upstash one (src/ratelimit/upstash-limiter.ts): token
 * buckets refilled every step, all-or-nothing charges, refunds capped at the bucket's size. Each entry
 * expires when its bucket would be full again, and an absent entry is a full bucket, so expiry and LRU
 * eviction only ever drop what a full bucket would say anyway (except under more than MAX_BUCKETS clients).
 */
export class MemoryLimiter implements Limiter {
  private readonly buckets: LRUCache<string, StoredBucket>;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly seed: Seed = fullBucket,
    max = MAX_BUCKETS,
  ) {
    // The cache's clock is ours, so expiry follows an injected clock in tests.
    this.buckets = new LRUCache({ max, perf: { now: () => this.now() }, ttlResolution: 0 });
  }

  async apply(id: string, charges: readonly Charge[]): Promise<Outcome> {
    const now = this.now();
    const current = charges.map(({ budget, cost }) => {
      const key = `${budget.name}:${id}`;
      const stored = this.buckets.get(key) ?? this.seed(budget, id, now);
      const size = { points: stored.points, windowMs: budget.windowMs };
      return { key, cost, size, state: refilled(size, stored, now) };
    });
    const success = current.every(({ cost, state }) => cost <= 0 || state.tokens >= cost);
    const decisions = current.map(({ key, cost, size, state }): Decision => {
      const enough = cost <= 0 || state.tokens >= cost;
      let after = state;
      if (success && cost !== 0) {
        after = { tokens: Math.min(size.points, state.tokens - cost), refilledAt: state.refilledAt };
        if (after.tokens >= size.points) this.buckets.delete(key);
        else {
          const kept = { tokens: after.tokens, refilledAt: after.refilledAt, points: size.points };
          this.buckets.set(key, kept, { ttl: Math.max(1, msUntil(size, after, size.points, now)) });
        }
      }
      // Written out, not spread: `after` has one of several shapes (stored, refilled, charged), and a spread
      // of mixed shapes took V8's slow path, 8 µs of every charge.
      const { tokens, refilledAt } = after;
      return { tokens, refilledAt, limit: size.points, remaining: wholePoints(tokens), enough, store: 'memory' };
    });
    return { success, decisions };
  }
}
