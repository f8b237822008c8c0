import { createHash } from 'node:crypto';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { replaceHeader } from '../lib/replace-header.ts';
import { answerTtlOf } from './response-cache.ts';

/** How long past its `s-maxage` a shared cache may still answer with a copy while it fetches a new one. */
const STALE_WHILE_REVALIDATE_SECONDS = 60;

const PER_CLIENT = 'private, no-store';

/** What an answer anyone may keep for `ttl` seconds says: shared caches (a CDN) keep it, a browser revalidates. */
export const sharedCacheControl = (ttl: number) => `public, s-maxage=${ttl}, stale-while-revalidate=${STALE_WHILE_REVALIDATE_SECONDS}`;

/** A weak validator, a hash of the body: the same answer compressed or not is the same resource. */
export function weakEtag(body: string | Uint8Array): string {
  return `W/"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for it), or is `*`. */
export function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** Adds `names` to the response's `Vary`, keeping what another plugin (CORS) put there. */
export function vary(headers: Headers, ...names: string[]): void {
  const current = (headers.get('vary') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const missing = names.filter((name) => !current.some((c) => c.toLowerCase() === name.toLowerCase()));
  if (missing.length > 0) headers.set('vary', [...current, ...missing].join(', '));
}

/** A request whose answer is for its sender alone: it names a client (an API key) or carries credentials. */
const perClient = (request: Request) => Boolean(request.headers.get('x-api-key')?.trim() || request.headers.get('authorization')?.trim());

/**
 * HTTP caching of GraphQL GETs (persisted documents by id above all): an answer the response cache may keep
 * for anyone (see response-cache.ts: its TTL is the shortest of the kinds it read) is `public, s-maxage=<TTL>`
 * with a weak `ETag` of its body, and `If-None-Match` with that tag answers 304, priced and charged as the
 * answer would be (from the response cache, it did not execute). Its body is the same for every client:
 * `extensions.cost.throttleStatus` is null and the budget travels in the rate-limit headers. Every other
 * GET (an API key, the admin token, errors, a stream, an answer that may not be cached) is `private, no-store`.
 * POST answers are left as they are. GraphiQL's page has its own caching (graphiql-page.ts).
 */
export function useHttpCache({ graphqlPath }: { graphqlPath: string }): Plugin {
  const shared = new WeakMap<Request, number>();

  return {
    onResultProcess({ request, result, setResult }) {
      if (request.method !== 'GET' || isAsyncIterable(result) || Array.isArray(result) || result.errors?.length) return;
      const ttl = answerTtlOf(request);
      if (ttl === undefined || perClient(request)) return;
      shared.set(request, ttl);
      const cost = result.extensions?.cost as Record<string, unknown> | undefined;
      if (cost) setResult({ ...result, extensions: { ...result.extensions, cost: { ...cost, throttleStatus: null } } });
    },

    async onResponse({ request, response, setResponse, fetchAPI }) {
      // Yoga serves the GraphQL path with a trailing slash too.
      const path = new URL(request.url).pathname;
      if (request.method !== 'GET' || (path !== graphqlPath && path !== `${graphqlPath}/`)) return;
      const type = response.headers.get('content-type') ?? '';
      if (type.startsWith('text/html')) return;
      // The same URL answers in another type, status and CORS headers for another Accept or Origin.
      vary(response.headers, 'Accept', 'Origin');
      const ttl = shared.get(request);
      // Only a whole JSON answer is shared: a multipart or SSE body is framed (and streamed) as it is written.
      const json = type.startsWith('application/json') || type.startsWith('application/graphql-response+json');
      if (ttl === undefined || response.status !== 200 || !json) {
        replaceHeader(response.headers, 'cache-control', PER_CLIENT);
        return;
      }
      const body = await response.text();
      const etag = weakEtag(body);
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('cache-control', sharedCacheControl(ttl));
      headers.set('etag', etag);
      // The compression plugin adds Accept-Encoding to a 200 it may compress; a 304 must carry the same Vary.
      // A request with a key or credentials gets its own answer (private), so a shared copy must not serve it.
      vary(headers, 'Accept-Encoding', 'Authorization', 'X-API-Key');
      if (!matchesEtag(request.headers.get('if-none-match'), etag)) {
        setResponse(new fetchAPI.Response(body, { status: response.status, statusText: response.statusText, headers }));
        return;
      }
      headers.delete('content-type');
      headers.delete('content-length');
      setResponse(new fetchAPI.Response(null, { status: 304, headers }));
    },
  };
}
