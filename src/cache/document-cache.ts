import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Heap bytes a cached document keeps per character of its text: what hangs off its parsed form lives as long
 * as Yoga caches it (tokens, locations and nodes, the validation result and cost plans: about 90 bytes a
 * character; graphql-jit's compiled function, its source and bytecode: about 650 more). Measured on
 * documents of 1,450 characters, 14 aliased lists each: 130 KB each without graphql-jit, 1.07 MB with it.
 */
const DOCUMENT_BYTES_PER_CHAR = 750;
/** A cached parse error: its message and stack, beside the text it keeps a reference to. */
const ERROR_BYTES = 4096;

/**
 * Yoga's parse and parse-error caches, bounded in heap bytes rather than by count. Yoga's default keeps
 * 1,024 of each for an hour whatever their size, and the text is the client's: 1,100 distinct unparsable
 * 95 KB bodies held 98 MB; about 220 distinct valid 1,450-character documents ran the heap out (the
 * compiled code of each lives as long as its parsed form is cached).
 */
export function boundedDocumentCaches(documentBytes: number, errorBytes: number) {
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      maxSize: documentBytes,
      sizeCalculation: (_document, text) => Math.max(1, text.length * DOCUMENT_BYTES_PER_CHAR),
      ttl: 3_600_000,
    }),
    errorCache: new LRUCache<string, object>({
      maxSize: errorBytes,
      sizeCalculation: (_error, text) => text.length + ERROR_BYTES,
      ttl: 3_600_000,
    }),
  };
}
