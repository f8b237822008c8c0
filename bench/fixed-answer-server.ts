/**
 * The floor under every server in bench/cpu.ts: node:http reading a request and writing one fixed JSON answer,
 * no GraphQL at all. `fixed-answer listening on <url>` once it accepts connections.
 *
 *   node --import tsx bench/fixed-answer-server.ts [--port 0]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const { values: argv } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
const ANSWER = JSON.stringify({ data: { area: { code: 'E09000007', name: 'Camden' } } });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(ANSWER) });
    res.end(ANSWER);
  });
});
server.listen(Number(argv.port), argv.host, () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`fixed-answer listening on http://${argv.host}:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
