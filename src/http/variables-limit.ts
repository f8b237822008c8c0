import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface VariablesLimits {
  /** Nesting of objects and arrays; the variables object itself is depth 1. */
  maxDepth: number;
  /** Size as JSON (UTF-8 bytes, without whitespace). */
  maxBytes: number;
}

/**
 * Refuses a request whose `variables` or `extensions` nest deeper or weigh more than the limits, with 400
 * BAD_REQUEST and `extensions.limit` naming which. It runs on the parsed parameters (body or GET query
 * string) before any other plugin: recursive walks further on (cost planning, coercion, error reporting)
 * would overflow the stack on deep input, and large input makes every one of them slow.
 */
export function useVariablesLimit(limits: VariablesLimits): Plugin {
  return {
    onParams({ params }) {
      for (const name of ['variables', 'extensions'] as const) {
        const value: unknown = params[name];
        if (value == null || typeof value !== 'object') continue;
        const over = exceeds(value, limits);
        if (!over) continue;
        const bound = over === 'Depth' ? `nest deeper than ${limits.maxDepth} levels` : `are larger than ${limits.maxBytes} bytes of JSON`;
        throw createGraphQLError(`The request's ${name} ${bound}.`, {
          extensions: { code: 'BAD_REQUEST', limit: `${name}${over}`, http: { status: 400 } },
        });
      }
    },
  };
}

/**
 * Which limit `value` (parsed JSON) breaks first, if any. Iterative, one visit per value, and it stops at
 * the first value past either limit, so its work is bounded by the limits, not by the input.
 */
export function exceeds(value: object, { maxDepth, maxBytes }: VariablesLimits): 'Depth' | 'Bytes' | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  let bytes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (Array.isArray(current)) {
      if (depth > maxDepth) return 'Depth';
      // Brackets and the commas between items.
      bytes += 2 + Math.max(0, current.length - 1);
      if (bytes > maxBytes) return 'Bytes';
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
    } else if (current !== null && typeof current === 'object') {
      if (depth > maxDepth) return 'Depth';
      const keys = Object.keys(current);
      // Braces, commas, and each key with its colon.
      bytes += 2 + Math.max(0, keys.length - 1);
      for (const key of keys) {
        bytes += jsonBytes(key) + 1;
        if (bytes > maxBytes) return 'Bytes';
        stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 });
      }
    } else {
      bytes += typeof current === 'string' ? jsonBytes(current) : String(JSON.stringify(current) ?? 'null').length;
    }
    if (bytes > maxBytes) return 'Bytes';
  }
  return undefined;
}

/** A string's size as a JSON string: quotes and escapes included. */
function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text));
}
