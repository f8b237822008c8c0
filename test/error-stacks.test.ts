import { describe, expect, it } from 'vitest';
import { liveHeap } from './helpers/heap.ts';
import { serversPerTest } from './helpers/server.ts';

// Cached parse and validation errors must not hold the request they were made in (src/http/error-stacks.ts).
// An outside tester's flood: each request a distinct document that fails validation, with 2,500 variable
// objects beside it; Yoga caches each document's validation errors, which held the whole request through
// their unread stacks (about 300 KB each: 700 requests pinned 120 MB of a 192 MB heap).

const server = serversPerTest();
const junk = `[${Array(2500).fill('{}').join(',')}]`;

describe('a flood of invalid documents with large variables', () => {
  for (const [name, documentOf] of [
    ['that fail validation', (i: number) => `query P($b: Boolean) { __typename @skip(if: $b) } # ${i}`],
    ['that do not parse', (i: number) => `query P { __typename # ${i}`],
  ] as const) {
    it(`${name}: the heap keeps the cached errors, not the requests`, async () => {
      const s = await server();
      const flood = async (from: number, to: number) => {
        for (let i = from; i < to; i += 1) {
          const body = `{"query":${JSON.stringify(documentOf(i))},"variables":{"b":false,"x":{"x":${junk}},"n":${i}}}`;
          const response = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          expect(response.status).toBeLessThan(500);
          await response.text();
        }
      };
      await flood(0, 10);
      const before = liveHeap();
      await flood(10, 160);
      const grown = (liveHeap() - before) / (1024 * 1024);
      // Held with their requests, these were about 45 MB.
      expect(grown).toBeLessThan(10);
    });
  }
});
