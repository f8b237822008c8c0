// Starting one of the benchmark's reference servers (strict-minimal-server.ts, yoga-peer-server.ts): the
// command line they share, the line bench/lib/servers.ts waits for, and a shutdown on SIGTERM or SIGINT.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

/** Listens on `--port` (default 0: any free one) and `--host`; prints `<name> listening on http://HOST:PORT`. */
export function listen(name: string, handler: RequestListener): void {
  const { values: argv } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const server = createServer(handler);
  server.listen(Number(argv.port), argv.host, () => {
    process.stdout.write(`${name} listening on http://${argv.host}:${(server.address() as AddressInfo).port}\n`);
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
  }
}
