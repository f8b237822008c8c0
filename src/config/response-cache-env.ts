import { z } from 'zod';
import { int } from './fields.ts';

// The whole-response cache: whether it runs, and the heap its in-process tier may take (its share of the
// memory budget in the README).

export const responseCacheEnv = z.object({
  RESPONSE_CACHE: z.enum(['on', 'off']).default('on'),
  RESPONSE_CACHE_MAX_MB: int(16, 1, 4096),
  HIT_PATH: z.enum(['on', 'off']).default('on'),
});

type ResponseCacheEnv = z.output<typeof responseCacheEnv>;

export function responseCacheConfig(env: ResponseCacheEnv) {
  return {
    /** off: every operation executes (benchmarks compare with it); answers are still priced and HTTP-cacheable. */
    enabled: env.RESPONSE_CACHE === 'on',
    /** Heap bytes of answers (and their invalidation index) the in-process tier holds, by its own estimate. */
    maxBytes: env.RESPONSE_CACHE_MAX_MB * 1024 * 1024,
    /** Repeated hits answered before Yoga's pipeline (src/http/hit-path); off: every hit goes through it (benchmarks compare). */
    hitPath: env.HIT_PATH === 'on',
  };
}
