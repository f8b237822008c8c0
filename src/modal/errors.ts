/** A failed engine call, coded so resolvers can turn it into a GraphQL error on the fields it affects. */
export class EngineError extends Error {
  constructor(
    readonly code: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_BAD_RESPONSE' | 'BAD_USER_INPUT',
    message: string,
    readonly details: { endpoint: string; status?: number; field?: string | null },
  ) {
    super(message);
    this.name = 'EngineError';
  }

  /** Failures that say the engine is away (not that our request was wrong): they count against the breaker. */
  get isOutage(): boolean {
    return this.code !== 'BAD_USER_INPUT';
  }
}
