import type { Redis } from '@upstash/redis';
import { CircuitBreaker } from '../lib/circuit-breaker.ts';
import { upstashClient } from '../lib/upstash-client.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { refillStep } from './bucket.ts';
import { DegradedLimits } from './degraded.ts';
import { type ApplyOptions, type Charge, type Decision, type Limiter, type Outcome, wholePoints } from './limiter.ts';

/**
 * Every budget of one call in one atomic script, so instances never race between checking and charging.
 * The refill is @upstash/ratelimit's tokenBucket, on its key layout (a hash of refilledAt and tokens at
 * `<prefix>:<identifier>`), but the library's script cannot serve here: it charges one key per call (a
 * request refused by the day budget would already have paid the minute one), it adds a negative `rate`
 * without capping it at the bucket's size (a refund could overfill it), and its getRemaining does not refill.
 *
 * KEYS: one bucket per budget. ARGV: now, then for each key: size, step ms, tokens per step, cost (> 0
 * takes, 0 reads, < 0 refunds). Answers success, then for each key: tokens, refilledAt, enough (0/1).
 */
const BUCKETS_SCRIPT = `
local now = tonumber(ARGV[1])
local n = #KEYS
local size, stepMs, perStep, cost, tokens, refilledAt = {}, {}, {}, {}, {}, {}
local success = 1
for i = 1, n do
  local at = 1 + (i - 1) * 4
  size[i] = tonumber(ARGV[at + 1])
  stepMs[i] = tonumber(ARGV[at + 2])
  perStep[i] = tonumber(ARGV[at + 3])
  cost[i] = tonumber(ARGV[at + 4])
  local bucket = redis.call('HMGET', KEYS[i], 'refilledAt', 'tokens')
  if bucket[1] == false then
    refilledAt[i] = now
    tokens[i] = size[i]
  else
    refilledAt[i] = tonumber(bucket[1])
    -- A bucket written under a larger budget (the tier was lowered) holds at most the budget now.
    tokens[i] = math.min(size[i], tonumber(bucket[2]))
  end
  if now >= refilledAt[i] + stepMs[i] then
    local steps = math.floor((now - refilledAt[i]) / stepMs[i])
    tokens[i] = math.min(size[i], tokens[i] + steps * perStep[i])
    refilledAt[i] = refilledAt[i] + steps * stepMs[i]
  end
  if cost[i] > 0 and tokens[i] < cost[i] then success = 0 end
end
local reply = { success }
for i = 1, n do
  local enough = 1
  if cost[i] > 0 and tokens[i] < cost[i] then enough = 0 end
  if success == 1 and cost[i] ~= 0 then
    tokens[i] = math.min(size[i], tokens[i] - cost[i])
    if tokens[i] >= size[i] then
      redis.call('DEL', KEYS[i])
    else
      redis.call('HSET', KEYS[i], 'refilledAt', refilledAt[i], 'tokens', tokens[i])
      redis.call('PEXPIRE', KEYS[i], math.ceil((size[i] - tokens[i]) / perStep[i]) * stepMs[i])
    end
  end
  reply[#reply + 1] = tostring(tokens[i])
  reply[#reply + 1] = tostring(refilledAt[i])
  reply[#reply + 1] = enough
end
return reply
`;

export interface UpstashLimiterOptions {
  url: string;
  token: string;
  prefix: string;
  /** Past this the store counts as away for this call. */
  timeoutMs: number;
  /** After a failure, how long to use the in-process limits before trying Upstash again. */
  retryMs: number;
  /** While the store is away, the share of its budget a client this instance has not seen gets. */
  degradedFraction: number;
  /** Called when degraded limits start (true) and end (false). */
  onDegraded?: (degraded: boolean) => void;
  /** Where the breaker's state is reported (the metrics). */
  watchBreaker?: Metrics['watchBreaker'];
  log: Log;
  now?: () => number;
}

/**
 * Budgets in Upstash Redis, shared by every instance. While Upstash is away (a failed or slow call opens a
 * breaker for `retryMs`), degraded in-process limits answer, starting from what this instance last saw.
 */
export class UpstashLimiter implements Limiter {
  private readonly redis: Redis;
  private readonly script: ReturnType<Redis['createScript']>;
  private readonly breaker: CircuitBreaker;
  private readonly degraded: DegradedLimits;
  private readonly now: () => number;

  constructor(private readonly options: UpstashLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.redis = upstashClient(options.url, options.token, options.timeoutMs);
    this.script = this.redis.createScript(BUCKETS_SCRIPT);
    this.breaker = new CircuitBreaker(1, options.retryMs, this.now);
    options.watchBreaker?.('ratelimit_redis', this.breaker);
    this.degraded = new DegradedLimits({
      fraction: options.degradedFraction,
      log: options.log,
      onChange: options.onDegraded,
      now: this.now,
    });
  }

  apply(id: string, charges: readonly Charge[], options: ApplyOptions = {}): Promise<Outcome> {
    return this.breaker.guard(
      async () => {
        // Points charged in-process while the store was away never reached it: their refund must not either.
        const sent = options.refundOnlyIn === 'memory' ? charges.map((c) => (c.cost < 0 ? { ...c, cost: 0 } : c)) : charges;
        const outcome = await this.run(id, sent);
        this.degraded.observe(id, charges, outcome.decisions);
        return outcome;
      },
      () => this.degraded.limiter().apply(id, charges),
      (error) => this.options.log('ratelimit.store.failed', { message: error.message, fallbackForMs: this.options.retryMs }),
    );
  }

  private async run(id: string, charges: readonly Charge[]): Promise<Outcome> {
    const keys = charges.map(({ budget }) => `${this.options.prefix}:rl:${budget.name}:${id}`);
    const args: (string | number)[] = [this.now()];
    for (const { budget, cost } of charges) {
      const { stepMs, perStep } = refillStep(budget);
      args.push(budget.points, stepMs, perStep, cost);
    }
    const reply = (await this.script.exec(keys, args.map(String))) as unknown[];
    if (!Array.isArray(reply) || reply.length !== 1 + charges.length * 3)
      throw new Error('the rate-limit script answered an unexpected shape');
    const decisions = charges.map(({ budget }, i): Decision => {
      const tokens = Number(reply[1 + i * 3]);
      return {
        tokens,
        refilledAt: Number(reply[2 + i * 3]),
        limit: budget.points,
        remaining: wholePoints(tokens),
        enough: Number(reply[3 + i * 3]) === 1,
        store: 'redis',
      };
    });
    return { success: Number(reply[0]) === 1, decisions };
  }
}
