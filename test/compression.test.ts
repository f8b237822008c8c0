import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';
import { liveHeap } from './helpers/heap.ts';
import { multipartParts } from './helpers/multipart.ts';
import { serversPerTest, type TestServer } from './helpers/server.ts';

const server = serversPerTest();
const DASHBOARD = `{ areas(first: 33) { nodes { code name housing { medianRentAll averagePrice } safety { rank } } } }`;
const SMALL = `{ area(code: "E09000033") { name } }`;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
}

/** One request over node:http, whose answer is read as the bytes sent (fetch would decode them). */
function raw(s: TestServer, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${s.url}/graphql`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const post = (s: TestServer, query: string, acceptEncoding?: string) =>
  raw(s, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}),
    },
    body: JSON.stringify({ query }),
  });

const decoded = (answer: Raw) => {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.bytes);
  if (encoding === 'gzip') return gunzipSync(answer.bytes);
  return answer.bytes;
};
const vary = (answer: Raw) => String(answer.headers.vary ?? '').toLowerCase();

describe('compression', () => {
  it('compresses an answer over 1 KB with the encoding the client prefers, and says it varies', async () => {
    const s = await server();
    const plain = await post(s, DASHBOARD);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.bytes.length).toBeGreaterThan(3_000);
    expect(vary(plain)).toContain('accept-encoding');
    const data = JSON.parse(plain.bytes.toString()).data;

    for (const [accept, expected] of [
      ['br', 'br'],
      ['gzip, deflate, br', 'br'],
      ['gzip, deflate', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
      ['gzip;q=0.5, br;q=0.8', 'br'],
      ['*', 'br'],
      ['identity', undefined],
      ['br;q=0, gzip;q=0', undefined],
    ] as const) {
      const answer = await post(s, DASHBOARD, accept);
      expect([accept, answer.headers['content-encoding']]).toEqual([accept, expected]);
      expect(Number(answer.headers['content-length'] ?? answer.bytes.length)).toBe(answer.bytes.length);
      expect(JSON.parse(decoded(answer).toString()).data).toEqual(data);
      if (expected) expect(answer.bytes.length).toBeLessThan(plain.bytes.length / 3);
    }
  });

  it('sends a small answer as it is', async () => {
    const s = await server();
    const answer = await post(s, SMALL, 'br, gzip');
    expect(answer.bytes.length).toBeLessThan(1024);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.bytes.toString()).data.area.name).toBe('Westminster');
    expect(vary(answer)).toContain('accept-encoding');
  });

  it("GraphiQL's page: rendered once, compressed, with an ETag, and 304 when the browser has it", async () => {
    const s = await server();
    const page = (headers: Record<string, string>) => raw(s, { headers: { accept: 'text/html', ...headers } });
    const brotli = await page({ 'accept-encoding': 'gzip, deflate, br' });
    expect(brotli.status).toBe(200);
    expect(brotli.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['cache-control']).toBe('public, no-cache');
    expect(vary(brotli)).toContain('accept-encoding');
    expect(vary(brotli)).toContain('accept');
    const etag = String(brotli.headers.etag);
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    const html = brotliDecompressSync(brotli.bytes);
    expect(html.toString()).toContain('<title>veo-bff</title>');
    // About 9 MB of HTML goes as less than a quarter of it.
    expect(html.length).toBeGreaterThan(5_000_000);
    expect(brotli.bytes.length).toBeLessThan(html.length / 4);

    const gzipped = await page({ 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.bytes).equals(html)).toBe(true);
    const identity = await page({});
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.bytes.equals(html)).toBe(true);
    expect([gzipped.headers.etag, identity.headers.etag]).toEqual([etag, etag]);

    const again = await page({ 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
  });

  it("GraphiQL's page is rendered outside the server's heap, which keeps only the compressed page", async () => {
    // Rendered in-process, the package and the page grew the heap by about 30 MB for good (RSS by 80 MB);
    // an outside tester saw it push a development server over its memory budget.
    const s = await server();
    const before = liveHeap();
    const page = await raw(s, { headers: { accept: 'text/html', 'accept-encoding': 'br' } });
    expect(page.status).toBe(200);
    // What stays: the brotli and gzip forms (about 4.5 MB, outside the heap), and the request's own garbage.
    expect(liveHeap() - before).toBeLessThan(5 * 1024 * 1024);
  });

  it('streams are neither compressed nor held back: each part of a @defer answer comes when it is ready', async () => {
    const engine = new LocalEngineProcess({ python: 'python3', env: { EXPLAIN_DELAY_MS: '1000' } });
    try {
      const s = await server({ LOCAL_ENGINE_URL: await engine.url(), EXPLANATION_POLL_MS: '50' });
      const started = performance.now();
      const response = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'accept-encoding': 'br, gzip' },
        body: JSON.stringify({
          query: `{ areas(first: 33) { nodes { code name housing { medianRentAll } } }
            area(code: "E09000020") { ... @defer { explanation(persona: DEVELOPER) { status } } } }`,
        }),
      });
      expect(response.headers.get('content-encoding')).toBeNull();
      const parts = await multipartParts(response, started);
      expect(parts[0]!.part.data.areas.nodes).toHaveLength(33); // over 1 KB, and still not compressed
      expect(parts.at(-1)!.part.incremental[0].data.explanation.status).toBe('READY');
      // The first part was sent while the job (held back a second by the engine) still ran: a buffered stream
      // would deliver every part at once.
      expect(parts.at(-1)!.at - parts[0]!.at).toBeGreaterThan(500);
    } finally {
      await engine.stop();
    }
  });
});
