// j: bytes on the wire. What each answer weighs as sent (identity, gzip, brotli, as Accept-Encoding asks), and
// what compressing every answer costs the full server: the warm dashboard loaded with and without brotli.
import { request } from 'node:http';
import * as docs from './documents.ts';
import { load } from './load.ts';
import { JSON_ACCEPT } from './probes.ts';
import { fmtInt, table } from './stats.ts';

interface WireRow {
  name: string;
  bytes: Record<Encoding, number>;
}
export interface Wire {
  rows: WireRow[];
  /** req/s of the warm dashboard at 10 connections, without and with `Accept-Encoding: br`. */
  dashboard: { identity: number; br: number };
}

const ENCODINGS = ['identity', 'gzip', 'br'] as const;
type Encoding = (typeof ENCODINGS)[number];
const ANSWERS = [
  { name: 'warm dashboard (33 areas)', body: docs.body(docs.DASHBOARD) },
  { name: 'single area', body: docs.body(docs.AREA, { code: docs.CAMDEN }) },
  { name: 'personas', body: docs.body(docs.PERSONAS) },
  { name: 'cached recommendation (10 of 33)', body: docs.body(docs.RECOMMEND, { input: docs.CACHED_QUESTION }) },
];

/** The body's length as received, not decoded (node:http, unlike fetch, leaves the encoding alone). */
function sentBytes(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/graphql`, { method: 'POST', headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function wireBytes(url: string, auth: Record<string, string>, seconds: number): Promise<Wire> {
  const headers = (encoding: Encoding) => ({
    'content-type': 'application/json',
    accept: JSON_ACCEPT,
    'accept-encoding': encoding,
    ...auth,
  });
  const rows: WireRow[] = [];
  for (const { name, body } of ANSWERS) {
    const bytes = {} as Record<Encoding, number>;
    for (const encoding of ENCODINGS) bytes[encoding] = await sentBytes(url, headers(encoding), body);
    rows.push({ name, bytes });
  }
  const rate = async (encoding: Encoding) =>
    (
      await load({
        url: `${url}/graphql`,
        connections: 10,
        seconds,
        method: 'POST',
        headers: headers(encoding),
        body: ANSWERS[0]!.body,
        graphql: false,
      })
    ).rps;
  return { rows, dashboard: { identity: await rate('identity'), br: await rate('br') } };
}

export function wireMarkdown(wire: Wire): string[] {
  const pct = (n: number, of: number) => `${Math.round((100 * n) / of)}%`;
  return [
    '## Bytes on the wire (j)',
    '',
    'Each answer as the full server sends it (the body, headers aside) for `Accept-Encoding: identity`, `gzip` and `br`; ' +
      'answers under 1 KB go as they are. Then the warm dashboard at 10 connections without and with `Accept-Encoding: br` ' +
      '(each answer compressed again: its budget figures differ per request), one run each.',
    '',
    table(
      ['answer', 'identity', 'gzip', 'br'],
      wire.rows.map((r) => [
        r.name,
        `${fmtInt(r.bytes.identity)} B`,
        `${fmtInt(r.bytes.gzip)} B (${pct(r.bytes.gzip, r.bytes.identity)})`,
        `${fmtInt(r.bytes.br)} B (${pct(r.bytes.br, r.bytes.identity)})`,
      ]),
      ['l', 'r', 'r', 'r'],
    ),
    '',
    `Warm dashboard: ${fmtInt(wire.dashboard.identity)} req/s uncompressed, ${fmtInt(wire.dashboard.br)} req/s as brotli.`,
    '',
  ];
}
