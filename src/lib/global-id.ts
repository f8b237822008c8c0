import { z } from 'zod';

/**
 * Global ids (Relay's global object identification): base64url, without padding, of `<Type>:<key>`. Opaque
 * to clients, the same for the same object on every server, and safe in URLs.
 */

/**
 * The longest global id accepted. An explanation's key (a signed `ex1_` id that carries its question) is
 * the longest: about 230 characters at most, so about 310 once encoded; every other key is a few characters.
 */
export const MAX_GLOBAL_ID_LENGTH = 400;

const TYPE_NAME = /^[A-Z][A-Za-z]{0,39}$/;

export function toGlobalId(type: string, key: string): string {
  return Buffer.from(`${type}:${key}`).toString('base64url');
}

/** The type and key an id names, or null when it is not a global id in its one canonical spelling. */
export function fromGlobalId(id: string): { type: string; key: string } | null {
  const text = Buffer.from(id, 'base64url').toString();
  // Node's decoder skips what is not base64url and replaces bad UTF-8: only an id it gives back unchanged is one.
  if (text.length === 0 || Buffer.from(text).toString('base64url') !== id) return null;
  const colon = text.indexOf(':');
  const type = text.slice(0, colon);
  const key = text.slice(colon + 1);
  return colon > 0 && key.length > 0 && TYPE_NAME.test(type) ? { type, key } : null;
}

/** A global id argument: what a node's `id` field gave, in shape; whether its type and key exist is checked by who reads it. */
export const globalIdArg = z
  .string()
  .max(MAX_GLOBAL_ID_LENGTH, `must be a global id: at most ${MAX_GLOBAL_ID_LENGTH} characters`)
  .refine((id) => fromGlobalId(id) !== null, 'must be a global id (the `id` field of a node), as this server gave it');
