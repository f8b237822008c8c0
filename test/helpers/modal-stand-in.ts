import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * Stands in for Modal's web endpoint (which cannot run here): it records every request, and answers it as
 * `answer` says (a status and body), or else forwards it to the real local engine, as the Modal app would
 * answer with the same handlers.
 */
export async function modalStandIn(answer: (request: Received) => { status: number; body: unknown } | undefined = () => undefined) {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const request = { method: req.method!, path: req.url!, headers: req.headers, body };
    received.push(request);
    const own = answer(request);
    if (own) {
      res.writeHead(own.status, { 'content-type': 'application/json' }).end(JSON.stringify(own.body));
      return;
    }
    await forwardToEngine(req, body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Modal failing: 503 for the first `n` requests (all of them when n is Infinity), then answering. */
export function failing(n: number) {
  let failures = 0;
  return () => (failures++ < n ? { status: 503, body: { error: 'unavailable' } } : undefined);
}

/**
 * Answers `req` (whose body was `body`) as the real local engine does, its answer's text through `rewrite`;
 * with `gate`, the answer is read at once and written only once the gate settles (a fetch held in flight).
 */
export async function forwardToEngine(
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
  rewrite: (text: string) => string = (text) => text,
  gate?: Promise<void>,
): Promise<void> {
  const upstream = await fetch(`${inject('engineUrl')}${req.url}`, {
    method: req.method,
    headers: { 'content-type': 'application/json' },
    body: req.method === 'POST' ? body : undefined,
  });
  const text = rewrite(await upstream.text());
  await gate;
  res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
}
