import type { CostExtension } from '../ratelimit/cost.ts';
import { costDirectives } from './directives.ts';

/**
 * A field's cost weights, kept beside the field: `cost` is what the pricing reads (src/ratelimit/cost.ts and
 * the README's table), `directives` the same weights as the @cost and @listSize printed in schema.graphql.
 */
export function cost(weights: CostExtension) {
  return { cost: weights, directives: costDirectives(weights) };
}
