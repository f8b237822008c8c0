export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Stops calling an upstream after `failures` outages in a row; after `cooldownMs` lets one probe through
 * (half-open) and closes again when it succeeds. Small enough to own; see the README for why not opossum.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.consecutiveFailures < this.failures) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go to the upstream now; in half-open only one probe at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Runs `call` when the breaker allows it; answers `fallback` while it is open or when `call` fails. */
  async guard<T>(call: () => Promise<T>, fallback: () => T | Promise<T>, onFailure?: (error: Error) => void): Promise<T> {
    if (!this.allow()) return fallback();
    try {
      const result = await call();
      this.success();
      return result;
    } catch (error) {
      this.failure();
      onFailure?.(error as Error);
      return fallback();
    }
  }

  success(): void {
    this.consecutiveFailures = 0;
    this.probing = false;
  }

  failure(): void {
    this.probing = false;
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= this.failures) this.openedAt = this.now();
  }
}
