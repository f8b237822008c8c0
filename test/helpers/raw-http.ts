import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { TestServer } from './server.ts';

// Requests over node:http as the test writes them (every header, Content-Length or chunked), and the parts of
// two answers that must be equal: for comparing the fast path's answers (src/http/hit-path) with the pipeline's.

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  bytes: Buffer;
}

function decoded(answer: Answer): string {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(answer.bytes).toString('utf8');
  if (encoding === 'gzip') return gunzipSync(answer.bytes).toString('utf8');
  return answer.text;
}

/** One request over node:http, so that every header (Content-Length, chunked bodies) is as the test says. */
export function send(
  s: TestServer,
  {
    method = 'POST',
    path = '/graphql',
    body,
    headers = {},
  }: { method?: string; path?: string; body?: string; headers?: Record<string, string> },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${s.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, text: bytes.toString('utf8'), bytes });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The parts of two answers that must be equal whoever asks and whenever: all but ids, dates and the budget's state. */
export function stable(answer: Answer) {
  const {
    date,
    'x-request-id': _id,
    ratelimit,
    'x-ratelimit-remaining': _r,
    'x-ratelimit-reset': _t,
    'content-length': _l,
    ...headers
  } = answer.headers;
  const body = JSON.parse(decoded(answer));
  if (body.extensions?.cost?.throttleStatus) body.extensions.cost.throttleStatus.currentlyAvailable = 'per request';
  return { status: answer.status, headers, body, ratelimit: typeof ratelimit };
}
