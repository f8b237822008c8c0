import type { Config } from '../config/config.ts';
import type { Metrics } from '../observability/metrics.ts';
import { ANONYMOUS_TIER, type Client } from './clients.ts';
import type { Charged } from './headers.ts';
import type { Budget, Limiter } from './limiter.ts';

export interface ChargeResult {
  allowed: boolean;
  /** Every budget charged (or, when refused, the one that refused last). */
  charged: Charged[];
  refusedBy?: Charged;
}

/** A client's budgets by tier, charged through one Limiter whichever store is behind it. */
export class RateLimits {
  constructor(
    private readonly limiter: Limiter,
    private readonly config: Config['rateLimit'],
    private readonly metrics: Metrics,
  ) {}

  get maxQueryCost() {
    return this.config.maxQueryCost;
  }

  budgets(client: Client): { minute: Budget; day: Budget; explanations: Budget } {
    const tier = this.config.tiers[client.tier] ?? this.config.tiers[ANONYMOUS_TIER]!;
    const { minuteMs, dayMs, explanationsMs } = this.config.windows;
    return {
      minute: { name: 'minute', points: tier.perMinute, windowMs: minuteMs },
      day: { name: 'day', points: tier.perDay, windowMs: dayMs },
      explanations: { name: 'explanations', points: tier.explanationsPerHour, windowMs: explanationsMs },
    };
  }

  /**
   * Charges `cost` to the minute and the day budget at once (one round trip of latency, not two). As in
   * @upstash/ratelimit's fixed windows, a refused request still counts in both windows.
   */
  async charge(client: Client, cost: number): Promise<ChargeResult> {
    const { minute, day } = this.budgets(client);
    const decisions = await Promise.all([minute, day].map((budget) => this.limiter.limit(budget, client.id, cost)));
    const charged: Charged[] = [{ budget: minute, decision: decisions[0]! }, { budget: day, decision: decisions[1]! }];
    const refusedBy = charged.find((c) => !c.decision.success);
    this.metrics.rateLimitDecisions.inc({ result: refusedBy ? 'limited' : 'allowed' });
    return refusedBy ? { allowed: false, charged, refusedBy } : { allowed: true, charged };
  }

  /** Counts `jobs` new explanation jobs against the hourly budget; cached explanations are never charged. */
  async chargeExplanations(client: Client, jobs: number): Promise<ChargeResult> {
    const { explanations } = this.budgets(client);
    const decision = await this.limiter.limit(explanations, client.id, jobs);
    const entry = { budget: explanations, decision };
    this.metrics.rateLimitDecisions.inc({ result: decision.success ? 'explanations_allowed' : 'explanations_limited' });
    return decision.success ? { allowed: true, charged: [entry] } : { allowed: false, charged: [entry], refusedBy: entry };
  }

  /** Every budget's state, charging nothing. */
  async peek(client: Client): Promise<Charged[]> {
    const budgets = Object.values(this.budgets(client));
    const decisions = await Promise.all(budgets.map((budget) => this.limiter.peek(budget, client.id)));
    return budgets.map((budget, i) => ({ budget, decision: decisions[i]! }));
  }
}
