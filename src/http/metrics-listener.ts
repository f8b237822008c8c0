import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { scrape } from './metrics-access.ts';

export interface MetricsListenerOptions {
  /** Also required here when set. */
  token?: string;
  /** Loopback only by default: the port is for a scraper on the same host or pod. */
  host?: string;
}

/**
 * /metrics on a listener of its own (METRICS_PORT), bound to 127.0.0.1, so the public port never serves it.
 * Every other path answers 404. Returns the server, listening; close it on shutdown.
 */
export function serveMetricsOn(port: number, registry: Registry, options: MetricsListenerOptions = {}): Server {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    scrape(registry, request.headers.authorization, options.token).then(
      ({ status, headers, body }) => response.writeHead(status, headers).end(request.method === 'HEAD' ? undefined : body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics could not be collected\n'),
    );
  });
  // A scrape is one short request: no connection is kept open waiting for a slow client.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.listen(port, options.host ?? '127.0.0.1');
  return server;
}
