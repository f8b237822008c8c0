import type { SecurityConfig } from '../config/security-env.ts';
import { corsOptions } from './cors.ts';

/** The createYoga options that bound what a request may be before any plugin sees it. */
export function httpOptions(config: SecurityConfig) {
  return {
    cors: corsOptions(config),
    // Bodies are limited by useBodyLimit (see src/http/body-limit.ts), which is cheaper for the common case.
    maxRequestBodySize: false,
    // One operation per request: a batch would multiply every per-request limit.
    batching: false,
  } as const;
}
