/**
 * An estimate of the bytes a JSON-shaped value (what the engine answers, after its schema check) takes on
 * V8's heap, for 64-bit Node without pointer compression (the official builds): every slot is 8 bytes.
 *
 * - a string: a 16-byte header, then one byte per character (two once any is past Latin-1), to 8 bytes;
 * - a number: nothing in a slot when it is a small integer, else a 16-byte heap number;
 * - an object: a 24-byte header and a slot per property, at least 4 (the room a `{}` literal starts with);
 * - an array: its 32-byte header, its backing store's 16, and a slot per element, with a quarter more for
 *   the room an array grown one element at a time keeps;
 * - `true`, `false`, `null`: nothing (shared constants).
 *
 * Property names live in the shared hidden classes and are not counted. An object reached twice is counted
 * once. test/cache-memory.test.ts checks the estimate against the heap's real growth.
 */
export function heapBytesOf(value: unknown): number {
  let bytes = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    switch (typeof next) {
      case 'string':
        bytes += stringHeapBytes(next);
        break;
      case 'number':
        if (!isSmallInteger(next)) bytes += HEAP_NUMBER;
        break;
      case 'object': {
        if (next === null || seen.has(next)) break;
        seen.add(next);
        if (Array.isArray(next)) {
          bytes += ARRAY_HEADER + Math.ceil(next.length * 1.25) * SLOT;
          for (const item of next) stack.push(item);
        } else {
          const values = Object.values(next);
          bytes += OBJECT_HEADER + Math.max(values.length, 4) * SLOT;
          for (const item of values) stack.push(item);
        }
        break;
      }
      default:
        break;
    }
  }
  return bytes;
}

/** A flat string: 16-byte header, then the characters, rounded up to 8 bytes. */
export function stringHeapBytes(text: string): number {
  // V8 stores a string of Latin-1 characters one byte each, any other two.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is every Latin-1 character, control ones included
  const perChar = /[^\u0000-\u00ff]/.test(text) ? 2 : 1;
  return (16 + text.length * perChar + 7) & ~7;
}

const SLOT = 8;
const HEAP_NUMBER = 16;
const OBJECT_HEADER = 24;
const ARRAY_HEADER = 32 + 16;

/** Integers V8 keeps in the slot itself (31 bits, the narrower of its two layouts), with no heap number. */
function isSmallInteger(n: number): boolean {
  return Number.isInteger(n) && n >= -(2 ** 30) && n < 2 ** 30;
}
