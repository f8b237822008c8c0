import { LRUCache } from 'lru-cache';

/** Heap a stored document keeps beyond its text: its key and the cache's slots (about 230 bytes, measured). */
const ENTRY_BYTES = 256;

/** The share of the bytes new registrations may take; the rest is for documents clients have used again. */
const PROBATION_SHARE = 0.2;

/**
 * Larger documents run but are not kept: a real operation is a few KB, and one of 99 KB of comment would take
 * an eighth of the new registrations' share alone.
 */
const MAX_DOCUMENT_BYTES = 64 * 1024;

/**
 * The documents registered by hash, in a segmented LRU within `maxBytes` of heap. A new registration enters
 * probation (a fifth of the bytes), where it can push out only other registrations nobody has used since; a
 * document asked for again by its hash moves to the protected rest. New registrations, however many, never
 * push out a document clients run; a protected one pushed out by newer promotions goes back to probation,
 * where its next use saves it again.
 */
export class DocumentStore {
  private readonly probation: LRUCache<string, string>;
  private readonly used: LRUCache<string, string>;

  constructor(maxBytes: number) {
    const sizeCalculation = (text: string) => heapBytes(text) + ENTRY_BYTES;
    const probationBytes = Math.max(1, Math.floor(maxBytes * PROBATION_SHARE));
    this.probation = new LRUCache({ maxSize: probationBytes, sizeCalculation });
    this.used = new LRUCache({
      maxSize: Math.max(1, maxBytes - probationBytes),
      sizeCalculation,
      dispose: (text, hash, reason) => {
        if (reason === 'evict') this.probation.set(hash, text);
      },
    });
  }

  /** The document registered under `hash`; found in probation, it is promoted. */
  get(hash: string): string | undefined {
    const used = this.used.get(hash);
    if (used !== undefined) return used;
    const registered = this.probation.get(hash);
    if (registered === undefined) return undefined;
    this.probation.delete(hash);
    this.used.set(hash, registered);
    return registered;
  }

  /** Keeps a document that has validated (unless it is over the size kept), as a new registration. */
  register(hash: string, text: string): void {
    if (this.used.has(hash) || heapBytes(text) > MAX_DOCUMENT_BYTES) return;
    this.probation.set(hash, text);
  }
}

/** V8 keeps a string one byte a character, or two once any is beyond Latin-1. */
const heapBytes = (text: string) => (/[\u0100-\uffff]/.test(text) ? 2 : 1) * text.length;
