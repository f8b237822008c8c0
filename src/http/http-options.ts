import type { SecurityConfig } from '../config/security-env.ts';
import { corsOptions } from './cors.ts';

/** The createYoga options that bound what a request may be before any plugin sees it. */
export function httpOptions(config: SecurityConfig) {
  return {
    cors: corsOptions(config),
    // Refused with 413 from Content-Length, or while reading a body that has none, before JSON parsing.
    maxRequestBodySize: config.maxBodyBytes,
    // One operation per request: a batch would multiply every per-request limit.
    batching: false,
  } as const;
}
