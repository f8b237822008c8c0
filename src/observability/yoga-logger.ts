import type { YogaLogger } from 'graphql-yoga';
import type { Log } from './logger.ts';

/**
 * Yoga's own messages (above all the unexpected errors it masks) as JSON lines through our logger, instead
 * of its console output. The stack goes to the log only, never to a client.
 */
export function yogaLogger(log: Log): YogaLogger {
  const toFields = (args: unknown[]) => {
    const error = args.find((a): a is Error => a instanceof Error);
    const message = args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    const cause = error && 'originalError' in error ? (error as { originalError?: unknown }).originalError : undefined;
    const stack = cause instanceof Error ? cause.stack : error?.stack;
    return stack ? { message, stack } : { message };
  };
  return {
    debug: () => {},
    info: () => {},
    warn: (...args: unknown[]) => log('yoga.warn', toFields(args)),
    error: (...args: unknown[]) => log('yoga.error', toFields(args)),
  };
}
