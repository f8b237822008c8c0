import { createHash, timingSafeEqual } from 'node:crypto';

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

/**
 * Identifies the client. `X-Forwarded-For` is honoured only behind a proxy we trust (TRUST_PROXY), since
 * anyone can send it; `remoteAddress` is the socket's peer otherwise.
 */
export function identifyClient(
  request: Request,
  options: { apiKeys: readonly ApiKey[]; trustProxy: boolean; remoteAddress?: string },
): Client {
  const sent = request.headers.get('x-api-key');
  if (sent) {
    const sentDigest = digest(sent);
    // Compare digests in constant time against every key, so timing says nothing about which one is near.
    let match: ApiKey | undefined;
    for (const candidate of options.apiKeys) if (timingSafeEqual(sentDigest, digestOf(candidate))) match = candidate;
    return match ? { id: `key:${match.name}`, tier: match.tier } : { id: 'key:invalid', tier: ANONYMOUS_TIER, invalidKey: true };
  }
  const forwarded = options.trustProxy ? request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  return { id: `ip:${forwarded || options.remoteAddress || 'unknown'}`, tier: ANONYMOUS_TIER };
}

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
