import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import { vary } from './http-cache.ts';

/**
 * Below this a compressed answer saves less than a packet, and the work and the header cost more than they
 * save: a single area's answer (about 300 bytes) goes as it is; the dashboard of operations/ (10 KB) goes as
 * 1.7 KB of brotli, compressed in about half a millisecond.
 */
const MIN_BYTES = 1024;

/** Whole answers only: a multipart (@defer) or SSE stream is never matched, so it is never buffered. */
const COMPRESSIBLE = /^(application\/(graphql-response\+)?json|text\/(html|plain))\b/;

/** Statuses whose answer has no body. */
const NO_BODY = new Set([204, 304]);

export type Encoding = 'br' | 'gzip';

/**
 * The encoding `Accept-Encoding` prefers among brotli and gzip (the highest q; brotli on a tie, it is
 * smaller), or undefined for none. `*` stands for both; q=0 refuses one.
 */
export function preferredEncoding(acceptEncoding: string | null): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const q: Record<string, number> = {};
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((p) => p.trim());
    const weight = params.find((p) => p.startsWith('q='));
    const value = weight ? Number(weight.slice(2)) : 1;
    q[name] = Number.isFinite(value) ? value : 0;
  }
  const of = (name: Encoding) => q[name] ?? q['*'] ?? 0;
  const best = of('br') >= of('gzip') ? 'br' : 'gzip';
  return of(best) > 0 ? best : undefined;
}

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Up to this size an answer is compressed on the event loop: about 80 µs for the 10 KB dashboard at these
 * settings, where handing it to zlib's thread pool and back cost more than the compression itself (the warm
 * dashboard as brotli served 1,262 req/s that way, against 3,863 uncompressed). Larger ones go to the pool, so
 * that one big answer never holds up the others.
 */
const ON_LOOP_MAX_BYTES = 64 * 1024;

/** A Buffer as the Fetch API's body type knows it, without a copy. */
export const bytesOf = (buffer: Buffer) => new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);

/**
 * Compressed on the event loop when small, else in zlib's thread pool (ON_LOOP_MAX_BYTES). `dynamic`: an
 * answer built for this request, at a brotli quality and gzip level that take about as long as the JSON took
 * to write; `static`: bytes compressed once and kept (GraphiQL's page), a little harder.
 */
export async function compress(body: Uint8Array, encoding: Encoding, effort: 'dynamic' | 'static' = 'dynamic'): Promise<Buffer> {
  const onLoop = body.byteLength <= ON_LOOP_MAX_BYTES;
  if (encoding === 'gzip') return onLoop ? gzipSync(body, { level: 6 }) : gzipped(body, { level: 6 });
  const options = {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: effort === 'dynamic' ? 4 : 5,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
    },
  };
  return onLoop ? brotliCompressSync(body, options) : brotli(body, options);
}

/**
 * Compresses whole answers of at least MIN_BYTES with brotli or gzip, as `Accept-Encoding` prefers, and says
 * `Vary: Accept-Encoding` on every answer it could have compressed. Streams (multipart for @defer, SSE) pass
 * untouched and unbuffered. A Yoga plugin rather than a wrapper of node:http's response, so that the serverless
 * entry gets it too, and so that it sees the answer whole (Node 20's CompressionStream has no brotli: node:zlib).
 */
export function useCompression(): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const type = response.headers.get('content-type') ?? '';
      if (!COMPRESSIBLE.test(type) || NO_BODY.has(response.status) || response.headers.has('content-encoding')) return;
      vary(response.headers, 'Accept-Encoding');
      const encoding = preferredEncoding(request.headers.get('accept-encoding'));
      if (!encoding) return;
      const body = new Uint8Array(await response.arrayBuffer());
      const init = { status: response.status, statusText: response.statusText, headers: new fetchAPI.Headers(response.headers) };
      if (body.byteLength < MIN_BYTES) {
        setResponse(new fetchAPI.Response(body, init));
        return;
      }
      const compressed = await compress(body, encoding);
      init.headers.set('content-encoding', encoding);
      init.headers.set('content-length', String(compressed.byteLength));
      setResponse(new fetchAPI.Response(bytesOf(compressed), init));
    },
  };
}
