import type { Plugin } from 'graphql-yoga';
import { bytesOf, compress, type Encoding, preferredEncoding } from './compression.ts';
import { matchesEtag, weakEtag } from './http-cache.ts';

export interface GraphiQLPageOptions {
  graphqlPath: string;
  /** The page's HTML; called once, on the first request for it. */
  render: () => Promise<string>;
  /** Compress it here (the default); off where the platform compresses (see AppOptions.compress). */
  compress?: boolean;
}

interface Page {
  identity: Buffer;
  etag: string;
  encoded: Partial<Record<Encoding, Promise<Buffer>>>;
}

/**
 * GraphiQL's page (about 9 MB of HTML, its whole bundle inline), rendered once and kept, with each encoding
 * compressed once on first demand (about 2 MB as brotli): served compressed as `Accept-Encoding` allows, with an
 * `ETag`, and `Cache-Control: public, no-cache`, so that a browser keeps it and asks again with `If-None-Match`
 * (304, no body) and a new deploy is seen at once. It answers where Yoga's own GraphiQL would (a GET to the
 * GraphQL path accepting `text/html`), before any other plugin, as Yoga's does.
 */
export function useGraphiQLPage({ graphqlPath, render, compress: compressHere = true }: GraphiQLPageOptions): Plugin {
  let page: Promise<Page> | undefined;
  const rendered = async (): Promise<Page> => {
    const identity = Buffer.from(await render());
    return { identity, etag: weakEtag(identity), encoded: {} };
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
      let body = identity;
      if (encoding) {
        encoded[encoding] ??= compress(identity, encoding, 'static');
        body = await encoded[encoding];
        headers['content-encoding'] = encoding;
      }
      headers['content-length'] = String(body.byteLength);
      endResponse(new fetchAPI.Response(bytesOf(body), { status: 200, headers }));
    },
  };
}
