import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import { bytesOf, compress, type Encoding, preferredEncoding } from './compression.ts';
import { matchesEtag, weakEtag } from './http-cache.ts';

const gunzipped = promisify(gunzip);

export interface GraphiQLPageOptions {
  graphqlPath: string;
  /** The page's HTML as bytes; called once, on the first request for it (graphiql-render.ts renders it in a worker). */
  render: () => Promise<Uint8Array<ArrayBuffer>>;
  /** Compress it here (the default); off where the platform compresses (see AppOptions.compress). */
  compress?: boolean;
}

interface Page {
  etag: string;
  /** Kept only where the platform compresses: otherwise made from gzip for the first client that takes neither. */
  identity?: Uint8Array<ArrayBuffer>;
  encoded: Partial<Record<Encoding, Buffer>>;
}

/**
 * GraphiQL's page (about 9 MB of HTML, its whole bundle inline), rendered once, compressed at once in both
 * encodings (about 2 MB as brotli) and kept as such: served compressed as `Accept-Encoding` allows, with an
 * `ETag`, and `Cache-Control: public, no-cache`, so that a browser keeps it and asks again with `If-None-Match`
 * (304, no body) and a new deploy is seen at once. Its 9 MB of plain HTML are kept where we compress only once a
 * client that takes neither encoding asks (made from gzip then). It answers where Yoga's own GraphiQL would
 * (a GET to the GraphQL path accepting `text/html`), before any other plugin, as Yoga's does.
 */
export function useGraphiQLPage({ graphqlPath, render, compress: compressHere = true }: GraphiQLPageOptions): Plugin {
  let page: Promise<Page> | undefined;
  /**
   * The plain page, made from gzip on the first request that takes neither encoding and then kept (9 MB):
   * made per request, a hundred such requests at once held 1.5 GB (found by an outside tester).
   */
  let plain: Promise<Uint8Array<ArrayBuffer>> | undefined;
  const rendered = async (): Promise<Page> => {
    const identity = await render();
    const etag = weakEtag(identity);
    if (!compressHere) return { identity, etag, encoded: {} };
    const [br, gzip] = await Promise.all([compress(identity, 'br', 'static'), compress(identity, 'gzip', 'static')]);
    return { etag, encoded: { br, gzip } };
  };

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || !request.headers.get('accept')?.includes('text/html')) return;
      if (url.pathname !== graphqlPath && url.pathname !== `${graphqlPath}/`) return;
      page ??= rendered().catch((error: unknown) => {
        page = undefined; // tried again by the next request
        throw error;
      });
      const { identity, etag, encoded } = await page;
      const headers: Record<string, string> = {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'public, no-cache',
        etag,
        // The same URL answers GraphQL for another Accept.
        vary: 'Accept, Accept-Encoding',
      };
      if (matchesEtag(request.headers.get('if-none-match'), etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = compressHere ? preferredEncoding(request.headers.get('accept-encoding')) : undefined;
      let body: Uint8Array<ArrayBuffer>;
      if (encoding) {
        body = bytesOf(encoded[encoding]!);
        headers['content-encoding'] = encoding;
      } else {
        if (!identity) plain ??= gunzipped(encoded.gzip!).then(bytesOf);
        body = identity ?? (await plain!);
      }
      headers['content-length'] = String(body.byteLength);
      endResponse(new fetchAPI.Response(body, { status: 200, headers }));
    },
  };
}
