import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ANONYMOUS_TIER, type ApiKey } from '../config/rate-limit-env.ts';

/** Who a request is charged to: an API key's name (and its tier), or the caller's IP in the anonymous tier. */
export interface Client {
  id: string;
  tier: string;
  /** An x-api-key was sent that no configured key matches. */
  invalidKey?: boolean;
}

const digest = (text: string) => createHash('sha256').update(text).digest();
// The configured keys' digests, computed once per key rather than once per request.
const keyDigests = new WeakMap<ApiKey, Buffer>();
const digestOf = (key: ApiKey) => keyDigests.get(key) ?? keyDigests.set(key, digest(key.key)).get(key)!;

/** What identifying a client reads of a request: its headers (a Fetch Request has them; so can a node:http one). */
export interface HeaderSource {
  headers: { get(name: string): string | null };
}

export interface ClientOptions {
  apiKeys: readonly ApiKey[];
  /** Proxies in front of this server that append to X-Forwarded-For; 0 trusts the header not at all. */
  trustProxyHops: number;
  /** A platform that sets the client address in a header of its own, overwriting what the client sent. */
  platformHeaders?: 'vercel';
  remoteAddress?: string;
  /** The connection the request came on: the key its last request sent is matched once for the connection. */
  connection?: object;
}

/**
 * Identifies the client: an API key, else the caller's IP. Anyone can write X-Forwarded-For, so its entries
 * are read from the right, where each trusted proxy appended the address it saw: with one proxy, the last
 * entry. A value that is not an IP address (a client's invention) is never used as an id.
 */
export function identifyClient(request: HeaderSource, options: ClientOptions): Client {
  const sent = request.headers.get('x-api-key');
  if (sent) {
    const match = matchingKey(sent, options.apiKeys, options.connection);
    if (match) return { id: `key:${match.name}`, tier: match.tier };
    // Charged to the caller's address, so guessing keys spends that address's own budget.
    return { id: `ip:${clientAddress(request, options) ?? 'unknown'}`, tier: ANONYMOUS_TIER, invalidKey: true };
  }
  return { id: `ip:${clientAddress(request, options) ?? 'unknown'}`, tier: ANONYMOUS_TIER };
}

/** Per connection: the key its last request sent, and the configured key it matched. */
const lastMatch = new WeakMap<object, { sent: string; apiKeys: readonly ApiKey[]; match: ApiKey | undefined }>();

/**
 * The configured key `sent` is, if any. Digests are compared in constant time against every key, so timing
 * says nothing about which one is near. A keep-alive connection sends the same key with every request: its
 * last match is reused when the key is the same string, a comparison between two values the client sent,
 * which tells it nothing about the configured keys (and saves two hashes a request).
 */
function matchingKey(sent: string, apiKeys: readonly ApiKey[], connection: object | undefined): ApiKey | undefined {
  const last = connection && lastMatch.get(connection);
  if (last && last.sent === sent && last.apiKeys === apiKeys) return last.match;
  const sentDigest = digest(sent);
  let match: ApiKey | undefined;
  for (const candidate of apiKeys) if (timingSafeEqual(sentDigest, digestOf(candidate))) match = candidate;
  if (connection) lastMatch.set(connection, { sent, apiKeys, match });
  return match;
}

function clientAddress(request: HeaderSource, options: ClientOptions): string | undefined {
  if (options.platformHeaders === 'vercel') {
    // Vercel's edge sets these itself, replacing whatever the client sent. Each is checked on its own, so
    // one that is not an address does not hide the other.
    const address =
      clientAddressOf(request.headers.get('x-real-ip')) ?? clientAddressOf(request.headers.get('x-vercel-forwarded-for')?.split(',')[0]);
    if (address) return address;
  }
  if (options.trustProxyHops > 0) {
    const entries = (request.headers.get('x-forwarded-for') ?? '').split(',').map((e) => e.trim());
    // Fewer entries than trusted proxies: the request did not come through them all, so the header says nothing.
    const seen = entries.length >= options.trustProxyHops ? entries[entries.length - options.trustProxyHops] : undefined;
    const address = clientAddressOf(seen);
    if (address) return address;
  }
  return clientAddressOf(options.remoteAddress);
}

/**
 * The client an address stands for, in one spelling: IPv4 as it is; an IPv4-mapped IPv6 address as its IPv4;
 * any other IPv6 address as its /64 network (`2001:db8:0:1::/64`), since one host is handed a whole /64 and
 * would otherwise have as many budgets as it has addresses. Zone ids (`%eth0`) are dropped. Anything that is
 * not an address is undefined.
 */
export function clientAddressOf(value: string | undefined | null): string | undefined {
  const raw = value?.trim();
  if (!raw || raw.length > 64) return undefined;
  const trimmed = raw.split('%')[0]!;
  const version = isIP(trimmed);
  if (version === 4) return trimmed;
  if (version !== 6) return undefined;
  const groups = ipv6Groups(trimmed.toLowerCase());
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 as two groups). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string) =>
    part
      ? part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number);
          return [(a! << 8) | b!, (c! << 8) | d!];
        })
      : [];
  const [head = '', tail] = address.split('::');
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
}
