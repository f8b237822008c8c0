import type { BucketState, Budget } from './bucket.ts';

/**
 * What one call does to one budget: a positive cost takes points, zero only reads, a negative cost refunds
 * points (never past the bucket's size). The positive costs of one call are all or nothing: if one budget
 * cannot afford its cost, no budget is charged.
 */
export interface Charge {
  budget: Budget;
  cost: number;
}

export type Store = 'redis' | 'memory';

/** One budget's bucket after a call. */
export interface Decision extends BucketState {
  /** The bucket's size: the budget's points, or its degraded share while the shared store is away. */
  limit: number;
  /** Whole points left. */
  remaining: number;
  /** This budget could afford its cost (always true for reads and refunds). */
  enough: boolean;
  store: Store;
}

export interface Outcome {
  /** Every positive cost was charged; false: nothing was. */
  success: boolean;
  /** One per charge, in order. */
  decisions: Decision[];
}

export interface ApplyOptions {
  /**
   * The refunds of this call are for points charged in this store: a refund of points charged in-process
   * while the shared store was away is dropped once the shared store answers again (it never saw them).
   */
  refundOnlyIn?: Store;
}

/** Budgets as token buckets; both stores (Upstash, in-process) count the same way. */
export interface Limiter {
  apply(id: string, charges: readonly Charge[], options?: ApplyOptions): Promise<Outcome>;
}

/** Whole points in a bucket; the margin absorbs the float error of fractional refill steps. */
export const wholePoints = (tokens: number) => Math.max(0, Math.floor(tokens + 1e-9));
