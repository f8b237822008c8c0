import type { CostExtension } from '../ratelimit/cost.ts';

/** A field's cost weights, kept beside the field (see src/ratelimit/cost.ts and the README's table). */
export function cost(weights: CostExtension) {
  return { cost: weights };
}
