import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';

/**
 * Stands in for the Modal endpoint: forwards every route to the real engine, except that it answers
 * /explanations/status with jobs created at a time no date can hold (a number of seconds the contract's
 * `z.number()` accepts). Turning it into ISO 8601 throws a plain RangeError in the resolver: the honest
 * path to an unexpected (masked, reported) error.
 */
export async function brokenEngine() {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url === '/explanations/status') {
      const jobs = (JSON.parse(body) as { ids: string[] }).ids.map((id) => ({
        id,
        status: 'PENDING',
        areaCode: 'E09000007',
        persona: 'student',
        context: null,
        text: null,
        source: null,
        error: null,
        attempts: 0,
        createdAt: 1e15,
        finishedAt: null,
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jobs, version: 'x', dataVersion: 'y' }));
      return;
    }
    const upstream = await fetch(`${inject('engineUrl')}${req.url}`, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'POST' ? body : undefined,
    });
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A query that makes the explanation loader fail unexpectedly against `brokenEngine`. */
export const UNEXPECTED = `query Explain { explanation(id: "ex1_fuzzed") { id status createdAt } }`;
