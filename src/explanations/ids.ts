import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Explanation ids as clients see them: the engine's id, a dot, and a MAC of it by this server.
 *
 * The engine's id (`ex1_` + base64url of the question) is public in format, and an engine that does not
 * hold a job rebuilds it from its id, which is work (a language model call) nobody paid for. So the BFF
 * signs every id it hands out after a charged start, and asks the engine to rebuild a job only for an id
 * whose signature verifies. Any other id may still read a job that exists, and never starts one.
 */

/** An explanation id argument: an engine id, optionally followed by `.` and its signature. */
export const explanationIdArg = z
  .string()
  .regex(/^ex1_[A-Za-z0-9_-]{1,2000}(?:\.[A-Za-z0-9_-]{1,64})?$/, 'must be an explanation id (ex1_...)');

/** What an id a client sent stands for. */
export interface ClientExplanationId {
  /** The id the engine and the cache know the job by. */
  engineId: string;
  /** Signed by this server (with the current or the previous secret): its job may be rebuilt. */
  signed: boolean;
}

// 16 bytes of HMAC-SHA256: forging one takes 2^128 guesses, and the id stays short in URLs.
const MAC_BYTES = 16;
const MAC_CHARS = Math.ceil((MAC_BYTES * 4) / 3);
// Keys the MAC to this use, so the same secret signing anything else never yields a valid id.
const DOMAIN = 'veo-explanation-id\u0000';

export class ExplanationIds {
  private readonly secrets: string[];

  constructor(secrets: { current: string; previous?: string }) {
    this.secrets = [secrets.current, ...(secrets.previous ? [secrets.previous] : [])];
  }

  /** The id a client is given for an engine job: always signed with the current secret. */
  sign(engineId: string): string {
    return `${engineId}.${mac(this.secrets[0]!, engineId)}`;
  }

  /** The engine id behind a client's id, and whether this server signed it. */
  read(clientId: string): ClientExplanationId {
    const dot = clientId.lastIndexOf('.');
    if (dot < 0) return { engineId: clientId, signed: false };
    const engineId = clientId.slice(0, dot);
    const sent = Buffer.from(clientId.slice(dot + 1));
    let signed = false;
    if (sent.length === MAC_CHARS) {
      // Every secret is tried, in constant time each, so timing does not tell which one (if any) matched.
      for (const secret of this.secrets) if (timingSafeEqual(sent, Buffer.from(mac(secret, engineId)))) signed = true;
    }
    return { engineId, signed };
  }
}

function mac(secret: string, engineId: string): string {
  return createHmac('sha256', secret).update(DOMAIN).update(engineId).digest().subarray(0, MAC_BYTES).toString('base64url');
}

const bySecrets = new WeakMap<object, ExplanationIds>();

/** The signer for a configuration's secrets, built once per configuration. */
export function explanationIds(secrets: { current: string; previous?: string }): ExplanationIds {
  let ids = bySecrets.get(secrets);
  if (!ids) {
    ids = new ExplanationIds(secrets);
    bySecrets.set(secrets, ids);
  }
  return ids;
}
