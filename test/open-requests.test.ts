import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { trackOpenRequests } from '../src/http/drain.ts';

describe('the open requests a drain waits for', () => {
  it('a request pipelined behind an answer that closed the connection is not counted open for good', async () => {
    // As the server refuses a request it cannot build a URL for: 400 and Connection: close.
    const server = createServer((req, res) => {
      if (req.url === '/refused') res.writeHead(400, { connection: 'close', 'content-length': '0' }).end();
      else res.writeHead(200, { 'content-length': '2' }).end('ok');
    });
    const open = trackOpenRequests(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const exchange = (text: string) =>
      new Promise<string>((resolve, reject) => {
        let received = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
      });
    try {
      for (let i = 0; i < 20; i++) {
        const received = await exchange('GET /refused HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(received).toMatch(/^HTTP\/1\.1 400 /);
      }
      // Ordinary requests are counted while they are open and not after.
      expect(await exchange('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/ok$/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(open.count).toBe(0);
      expect(await open.settled(100)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
