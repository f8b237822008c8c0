import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serversPerTest } from './helpers/server.ts';

const server = serversPerTest();

describe('a body the client stops sending', () => {
  it('is the client’s error (400 BAD_REQUEST in the log), not an unexpected one reported to Sentry', async () => {
    const s = await server({ MAX_BODY_BYTES: '200000' });
    const { port } = new URL(s.url);
    for (const head of [
      'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"query":"{ __ty',
      // Larger than the hit path reads itself: Yoga reads it.
      'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50000\r\n\r\n{"query":"{ __ty',
      // Small enough for the hit path to read.
      'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":"{ __ty',
    ]) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(head);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        });
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines = s.logs.filter((l) => l.event === 'request');
    expect(lines.map((l) => [l.status, l.errorCodes])).toEqual([
      [400, ['BAD_REQUEST']],
      [400, ['BAD_REQUEST']],
      [400, ['BAD_REQUEST']],
    ]);
    expect(s.logs.filter((l) => l.event === 'yoga.error')).toEqual([]);
  });
});
