import { format } from 'node:util';
import { afterEach, beforeEach, type MockInstance, vi } from 'vitest';

/**
 * What each test of the file writes to console.warn and console.error, where Apollo's and urql's caches report
 * lost fields and missing keys (both do in development, as under vitest). Read it with the returned function.
 */
export function watchConsole(): () => string[] {
  let written: string[] = [];
  let spies: MockInstance[] = [];
  beforeEach(() => {
    written = [];
    spies = (['warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        written.push(`console.${level}: ${format(...args)}`);
      }),
    );
  });
  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
  });
  return () => written;
}
