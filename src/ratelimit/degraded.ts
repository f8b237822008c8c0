import { LRUCache } from 'lru-cache';
import type { Log } from '../observability/logger.ts';
import type { BucketState } from './bucket.ts';
import type { Charge, Decision } from './limiter.ts';
import { MemoryLimiter, type Seed } from './memory-limiter.ts';

/** Buckets remembered from the shared store (about 5,000 clients' four budgets); client ids are short. */
const SEEN_MAX = 20_000;

export interface DegradedOptions {
  /** The share of its budget a client this instance has not seen gets while the shared store is away. */
  fraction: number;
  log: Log;
  onChange?: ((degraded: boolean) => void) | undefined;
  now: () => number;
}

/**
 * In-process limits for while the shared store is away, so an outage does not hand every client a fresh
 * budget on every instance: a client this instance has seen starts from the bucket the store last
 * answered (refilling at the normal rate since); a client it has not seen gets a bucket of `fraction` of
 * the budget (size and restore rate). What is charged here is never written back to the shared store.
 */
export class DegradedLimits {
  private readonly seen = new LRUCache<string, BucketState>({ max: SEEN_MAX });
  private store: MemoryLimiter | undefined;
  private decisions = 0;

  constructor(private readonly options: DegradedOptions) {}

  /** Remembers what the shared store answered; an answer from it also ends degraded limits. */
  observe(id: string, charges: readonly Charge[], decisions: readonly Decision[]) {
    charges.forEach(({ budget }, i) => {
      const { tokens, refilledAt } = decisions[i]!;
      this.seen.set(`${budget.name}:${id}`, { tokens, refilledAt });
    });
    if (this.store) {
      this.options.log('ratelimit.degraded.ended', { degradedDecisions: this.decisions });
      this.store = undefined;
      this.decisions = 0;
      this.options.onChange?.(false);
    }
  }

  /** The limiter to answer with now that the shared store is away (the same one for the whole outage). */
  limiter(): MemoryLimiter {
    this.decisions += 1;
    if (!this.store) {
      this.store = new MemoryLimiter(this.options.now, this.seed);
      this.options.log('ratelimit.degraded', { fraction: this.options.fraction, seenBuckets: this.seen.size });
      this.options.onChange?.(true);
    }
    return this.store;
  }

  private readonly seed: Seed = (budget, id, now) => {
    const last = this.seen.get(`${budget.name}:${id}`);
    if (last) return { tokens: last.tokens, refilledAt: last.refilledAt, points: budget.points };
    const points = Math.floor(budget.points * this.options.fraction);
    return { tokens: points, refilledAt: now, points };
  };
}
