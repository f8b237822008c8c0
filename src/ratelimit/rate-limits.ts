import type { Config } from '../config/config.ts';
import { ANONYMOUS_TIER } from '../config/rate-limit-env.ts';
import type { CountCell } from '../observability/count-cells.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type Budget, msUntil } from './bucket.ts';
import type { Client } from './clients.ts';
import type { Charged } from './headers.ts';
import type { Charge, Limiter, Outcome, Store } from './limiter.ts';

export interface ChargeResult {
  allowed: boolean;
  /** The minute and day budgets after the call (as they were, when it was refused). */
  charged: Charged[];
  /** When refused: the budget that takes longest to afford the cost. */
  refusedBy?: Charged;
}

export interface ClientBudgets {
  minute: Budget;
  day: Budget;
  explanations: Budget;
  /** Free `rateLimit` calls, so a throttled client can still ask what it has left. */
  info: Budget;
}

/**
 * Whether a charge or refund goes in the metrics. The fast path (http/hit-path) charges before it knows it
 * will answer: when it hands the request to the pipeline, which charges again and counts its own decision,
 * what it did first is not counted (it was counted twice: an outside tester's finding).
 */
export interface Counting {
  counted?: boolean;
}

/** A client's budgets by tier, kept through one Limiter whichever store is behind it. */
export class RateLimits {
  private allowed: CountCell | undefined;
  private refunded: CountCell | undefined;

  constructor(
    private readonly limiter: Limiter,
    private readonly config: Config['rateLimit'],
    private readonly metrics: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  get maxQueryCost() {
    return this.config.maxQueryCost;
  }

  /**
   * The most one operation may cost this client: MAX_QUERY_COST, or less when the client's buckets are
   * smaller, since a bucket can never afford more than it holds (waiting would not help).
   */
  maxCostFor(client: Client): number {
    const { minute, day } = this.budgets(client);
    return Math.min(this.config.maxQueryCost, minute.points, day.points);
  }

  budgets(client: Client): ClientBudgets {
    const tier = this.config.tiers[client.tier] ?? this.config.tiers[ANONYMOUS_TIER]!;
    const { minuteMs, dayMs, explanationsMs } = this.config.windows;
    return {
      minute: { name: 'minute', points: tier.perMinute, windowMs: minuteMs },
      day: { name: 'day', points: tier.perDay, windowMs: dayMs },
      explanations: { name: 'explanations', points: tier.explanationsPerHour, windowMs: explanationsMs },
      info: { name: 'info', points: this.config.infoPerMinute, windowMs: minuteMs },
    };
  }

  /**
   * Charges `cost` to the minute and the day budget together, in one atomic step: when either cannot
   * afford it, neither is charged.
   */
  async charge(client: Client, cost: number, { counted = true }: Counting = {}): Promise<ChargeResult> {
    const { minute, day } = this.budgets(client);
    const outcome = await this.limiter.apply(client.id, [
      { budget: minute, cost },
      { budget: day, cost },
    ]);
    const result = this.result(outcome, [minute, day], cost);
    if (counted) this.count(result);
    return result;
  }

  /** Counts a decision `charge` was told not to count, once the request is answered with it. */
  count(result: ChargeResult): void {
    // Every request's charge: counted in a cell looked up once (count-cells.ts).
    if (!result.allowed) this.metrics.rateLimitDecisions.inc({ result: 'limited' });
    else {
      this.allowed ??= this.metrics.rateLimitDecisions.cell({ result: 'allowed' });
      this.allowed.n++;
    }
  }

  /**
   * Gives back points charged but not used (the estimate was above the actual cost) to the minute and day
   * budgets, never past their size. `chargedIn` is the store that took them.
   */
  async refund(client: Client, points: number, chargedIn: Store, { counted = true }: Counting = {}): Promise<Charged[]> {
    const { minute, day } = this.budgets(client);
    const outcome = await this.limiter.apply(
      client.id,
      [
        { budget: minute, cost: -points },
        { budget: day, cost: -points },
      ],
      { refundOnlyIn: chargedIn },
    );
    if (counted) {
      this.refunded ??= this.metrics.rateLimitRefunded.cell();
      this.refunded.n += points;
    }
    return [
      { budget: minute, decision: outcome.decisions[0]! },
      { budget: day, decision: outcome.decisions[1]! },
    ];
  }

  /** A `rateLimit`-only operation: free, but counted against the info budget; reads minute and day meanwhile. */
  async chargeInfo(client: Client): Promise<ChargeResult> {
    const { minute, day, info } = this.budgets(client);
    const outcome = await this.limiter.apply(client.id, [
      { budget: info, cost: 1 },
      { budget: minute, cost: 0 },
      { budget: day, cost: 0 },
    ]);
    const [infoDecision, minuteDecision, dayDecision] = outcome.decisions;
    const charged = [
      { budget: minute, decision: minuteDecision! },
      { budget: day, decision: dayDecision! },
    ];
    this.metrics.rateLimitDecisions.inc({ result: outcome.success ? 'info_allowed' : 'info_limited' });
    return outcome.success ? { allowed: true, charged } : { allowed: false, charged, refusedBy: { budget: info, decision: infoDecision! } };
  }

  /** Counts `jobs` new explanation jobs against the hourly budget; cached explanations are never charged. */
  async chargeExplanations(client: Client, jobs: number): Promise<ChargeResult> {
    const { explanations } = this.budgets(client);
    const outcome = await this.limiter.apply(client.id, [{ budget: explanations, cost: jobs }]);
    const result = this.result(outcome, [explanations], jobs);
    this.metrics.rateLimitDecisions.inc({ result: result.allowed ? 'explanations_allowed' : 'explanations_limited' });
    return result;
  }

  /** Gives back explanation jobs charged but never started (never past the bucket's size). */
  async refundExplanations(client: Client, jobs: number, chargedIn: Store): Promise<void> {
    const { explanations } = this.budgets(client);
    await this.limiter.apply(client.id, [{ budget: explanations, cost: -jobs }], { refundOnlyIn: chargedIn });
  }

  /** The minute, day and explanations budgets now, charging nothing. */
  async peek(client: Client): Promise<Charged[]> {
    const { minute, day, explanations } = this.budgets(client);
    return this.read(client, [minute, day, explanations]);
  }

  /** The minute and day budgets now (what the headers describe), charging nothing. */
  async peekPoints(client: Client): Promise<Charged[]> {
    const { minute, day } = this.budgets(client);
    return this.read(client, [minute, day]);
  }

  private async read(client: Client, budgets: Budget[]): Promise<Charged[]> {
    const outcome = await this.limiter.apply(
      client.id,
      budgets.map((budget): Charge => ({ budget, cost: 0 })),
    );
    return budgets.map((budget, i) => ({ budget, decision: outcome.decisions[i]! }));
  }

  private result(outcome: Outcome, budgets: Budget[], cost: number): ChargeResult {
    const charged = budgets.map((budget, i) => ({ budget, decision: outcome.decisions[i]! }));
    if (outcome.success) return { allowed: true, charged };
    const now = this.now();
    const wait = (c: Charged) => msUntil({ points: c.decision.limit, windowMs: c.budget.windowMs }, c.decision, cost, now);
    const refusedBy = charged.filter((c) => !c.decision.enough).reduce((a, b) => (wait(b) > wait(a) ? b : a));
    return { allowed: false, charged, refusedBy };
  }
}
