import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export interface ApiKey {
  name: string;
  key: string;
  tier: string;
}

/** Who a request is charged to: an API key's name (and its tier), or the caller's IP in the anonymous tier. */
export interface Client {
  id: string;
  tier: string;
  /** An x-api-key was sent that no configured key matches. */
  invalidKey?: boolean;
}

export const ANONYMOUS_TIER = 'anonymous';

const digest = (text: string) => createHash('sha256').update(text).digest();
// The configured keys' digests, computed once per key rather than once per request.
const keyDigests = new WeakMap<ApiKey, Buffer>();
const digestOf = (key: ApiKey) => keyDigests.get(key) ?? keyDigests.set(key, digest(key.key)).get(key)!;

export interface ClientOptions {
  apiKeys: readonly ApiKey[];
  /** Proxies in front of this server that append to X-Forwarded-For; 0 trusts the header not at all. */
  trustProxyHops: number;
  /** A platform that sets the client address in a header of its own, overwriting what the client sent. */
  platformHeaders?: 'vercel';
  remoteAddress?: string;
}

/**
 * Identifies the client: an API key, else the caller's IP. Anyone can write X-Forwarded-For, so its entries
 * are read from the right, where each trusted proxy appended the address it saw: with one proxy, the last
 * entry. A value that is not an IP address (a client's invention) is never used as an id.
 */
export function identifyClient(request: Request, options: ClientOptions): Client {
  const sent = request.headers.get('x-api-key');
  if (sent) {
    const sentDigest = digest(sent);
    // Compare digests in constant time against every key, so timing says nothing about which one is near.
    let match: ApiKey | undefined;
    for (const candidate of options.apiKeys) if (timingSafeEqual(sentDigest, digestOf(candidate))) match = candidate;
    return match ? { id: `key:${match.name}`, tier: match.tier } : { id: 'key:invalid', tier: ANONYMOUS_TIER, invalidKey: true };
  }
  return { id: `ip:${clientAddress(request, options) ?? 'unknown'}`, tier: ANONYMOUS_TIER };
}

function clientAddress(request: Request, options: ClientOptions): string | undefined {
  if (options.platformHeaders === 'vercel') {
    // Vercel's edge sets these itself, replacing whatever the client sent. Each is checked on its own, so
    // one that is not an address does not hide the other.
    const address =
      ipOrUndefined(request.headers.get('x-real-ip')) ??
      ipOrUndefined(request.headers.get('x-vercel-forwarded-for')?.split(',')[0]);
    if (address) return address;
  }
  if (options.trustProxyHops > 0) {
    const entries = (request.headers.get('x-forwarded-for') ?? '').split(',').map((e) => e.trim());
    // Fewer entries than trusted proxies: the request did not come through them all, so the header says nothing.
    const seen = entries.length >= options.trustProxyHops ? entries[entries.length - options.trustProxyHops] : undefined;
    const address = ipOrUndefined(seen);
    if (address) return address;
  }
  return ipOrUndefined(options.remoteAddress);
}

const ipOrUndefined = (value: string | undefined | null) => {
  const trimmed = value?.trim();
  return trimmed && trimmed.length <= 45 && isIP(trimmed) ? trimmed : undefined;
};

/** `name:key:tier` entries separated by commas (API_KEYS). */
export function parseApiKeys(text: string | undefined): ApiKey[] {
  if (!text) return [];
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [name, key, tier] = entry.split(':');
      if (!name || !key || !tier) throw new Error(`"${entry.split(':')[0]}:…" is not name:key:tier`);
      return { name, key, tier };
    });
}
