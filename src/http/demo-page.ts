import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import { bytesOf, compress, type Encoding, preferredEncoding } from './compression.ts';
import { matchesEtag, weakEtag } from './http-cache.ts';

export interface DemoPageOptions {
  /** Where `npm run build` wrote the page (scripts/build-demo.ts): index.html and its hashed assets. */
  dir: string;
  /** Written into the page, which sends its queries there. */
  graphqlPath: string;
  /** Compress here (the default); off where the platform compresses (see AppOptions.compress). */
  compress?: boolean;
}

interface File {
  identity: Buffer;
  type: string;
  etag: string;
  /** The HTML is asked again each time (a new deploy is seen at once); the hashed assets never change. */
  cacheControl: string;
  encoded: Partial<Record<Encoding, Promise<Buffer>>>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The page's own script and styles, and calls to this server only: nothing else runs or loads. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

const NOT_BUILT = 'The dashboard page is not built: run `npm run build` (which `npm start` runs).\n';

async function load(dir: string, graphqlPath: string): Promise<Map<string, File>> {
  const files = new Map<string, File>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue; // source maps and anything else stay on disk
    const html = name === 'index.html';
    const read = await readFile(join(dir, name));
    const identity = html ? Buffer.from(read.toString('utf8').replaceAll('%GRAPHQL_PATH%', graphqlPath)) : read;
    files.set(html ? '/' : `/demo/${name}`, {
      identity,
      type,
      etag: weakEtag(identity),
      cacheControl: html ? 'public, no-cache' : 'public, max-age=31536000, immutable',
      encoded: {},
    });
  }
  if (!files.has('/')) throw new Error(`no index.html in ${dir}`);
  return files;
}

/**
 * The dashboard page (demo/, built into dist/demo by `npm run build`): `/` and its script under `/demo/`, read
 * once on the first request and each encoding compressed once on first demand, as GraphiQL's page is
 * (graphiql-page.ts), with an ETag. Not built, `/` says how to build it.
 */
export function useDemoPage({ dir, graphqlPath, compress: compressHere = true }: DemoPageOptions): Plugin {
  let files: Promise<Map<string, File>> | undefined;

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname !== '/' && !url.pathname.startsWith('/demo/')) return;
      files ??= load(dir, graphqlPath).catch((error: unknown) => {
        files = undefined; // read again by the next request, once it is built
        throw error;
      });
      let file: File | undefined;
      try {
        file = (await files).get(url.pathname);
      } catch {
        if (url.pathname !== '/') return;
        endResponse(new fetchAPI.Response(NOT_BUILT, { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
        return;
      }
      if (!file) return; // Yoga's 404
      const headers: Record<string, string> = {
        'content-type': file.type,
        'cache-control': file.cacheControl,
        etag: file.etag,
        vary: 'Accept-Encoding',
        'x-content-type-options': 'nosniff',
        ...(file.type.startsWith('text/html') ? { 'content-security-policy': CSP } : {}),
      };
      if (matchesEtag(request.headers.get('if-none-match'), file.etag)) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = compressHere ? preferredEncoding(request.headers.get('accept-encoding')) : undefined;
      let body = file.identity;
      if (encoding) {
        file.encoded[encoding] ??= compress(file.identity, encoding, 'static');
        body = await file.encoded[encoding];
        headers['content-encoding'] = encoding;
      }
      headers['content-length'] = String(body.byteLength);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : bytesOf(body), { status: 200, headers }));
    },
  };
}
