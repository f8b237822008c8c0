import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

// Who a request is charged to, behind proxies, attacked through the headers a client can write.

const CLIENT = '{ rateLimit { client } }';
const PAID = '{ personas { id } }';

/**
 * One reverse proxy in front of the server, as a load balancer does it: it forwards each request and
 * appends the address it saw to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), keeping what the
 * client wrote in front of it.
 */
async function startProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const proxy: Server = createServer((incoming, outgoing) => {
    const sent = incoming.headers['x-forwarded-for'];
    const forwarded = [sent, incoming.socket.remoteAddress].filter(Boolean).join(', ');
    const onward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, 'x-forwarded-for': forwarded },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(outgoing);
      },
    );
    onward.on('error', () => outgoing.destroy());
    incoming.pipe(onward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

/** A GraphQL POST through the proxy from 127.0.0.2 (another loopback address, so the proxy sees a client of its own). */
function viaProxy(proxyUrl: string, query: string, headers: Record<string, string> = {}) {
  const url = new URL(proxyUrl);
  const body = JSON.stringify({ query });
  const started = performance.now();
  return new Promise<{ status: number; body: any; ms: number }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        localAddress: '127.0.0.2',
        method: 'POST',
        path: '/graphql',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          origin: ORIGIN,
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const codeOf = (body: any) => body?.errors?.[0]?.extensions?.code;

describe('TRUST_PROXY=true', () => {
  it('refuses to start, naming what to write instead', async () => {
    const started = performance.now();
    const error = await startProductionServer({ TRUST_PROXY: 'true' }).then(
      (server) => server.stop().then(() => new Error('the server started')),
      (e: Error) => e,
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error.message).toContain('exited with 1');
    expect(error.message).toContain(
      'TRUST_PROXY: must be false or the number of proxies in front of this server (1 behind one load balancer)',
    );
    expect(error.message).toContain('the first X-Forwarded-For entry is written by the client');
    expect(error.message).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

describe('TRUST_PROXY=1 behind one proxy, with a small budget', () => {
  const BUDGET = 12;
  let server: ProductionServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  beforeAll(async () => {
    server = await startProductionServer({ TRUST_PROXY: '1', RATE_LIMIT_POINTS_PER_MINUTE: String(BUDGET) });
    proxy = await startProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('a rotated first X-Forwarded-For entry gets no fresh budget: the client is the address the proxy saw', async () => {
    const seen = await viaProxy(proxy.url, CLIENT, { 'x-forwarded-for': '198.51.100.250' });
    expect(seen.body.data.rateLimit.client).toBe('ip:127.0.0.2');

    const answers = [];
    for (let i = 0; i < 20; i += 1) answers.push(await viaProxy(proxy.url, PAID, { 'x-forwarded-for': `198.51.100.${i}, 10.0.${i}.1` }));
    const admitted = answers.filter((a) => a.status === 200 && a.body.data?.personas);
    const refused = answers.filter((a) => codeOf(a.body) === 'RATE_LIMITED');
    // One budget for every rotation: what was admitted costs at most the budget (and the point or so that
    // refills during the run), whatever the header said; a fresh budget per entry would admit all 20.
    const charged = admitted.reduce(
      (sum, a) => sum + (a.body.extensions.cost.actualQueryCost ?? a.body.extensions.cost.requestedQueryCost),
      0,
    );
    expect(admitted.length).toBeGreaterThan(0);
    expect(charged).toBeLessThanOrEqual(BUDGET + 1);
    expect(refused.length).toBe(20 - admitted.length);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    for (const answer of answers) expect(answer.ms).toBeLessThan(2_000);

    // Another client behind the same proxy still has its own budget.
    const served = await stillServes(server);
    expect(served.ok).toBe(true);
    expect(served.ms).toBeLessThan(1_000);
  });
});

describe('TRUST_PROXY=1: X-Forwarded-For values that are not addresses', () => {
  let server: ProductionServer;
  beforeAll(async () => {
    server = await startProductionServer({ TRUST_PROXY: '1' });
  });
  afterAll(() => server?.stop());

  it('garbage and huge values never become the client id', async () => {
    const garbage = [
      'garbage',
      'unknown',
      '999.1.1.1',
      '1.2.3.4.5',
      '203.0.113.7:8080',
      '[2001:db8::1]',
      "' OR 1=1 --",
      '<script>alert(1)</script>',
      ' , , ',
      '198.51.100.7, not-an-ip',
      `${'1'.repeat(40)}`,
      `2001:db8::${'f'.repeat(60)}`,
      `${'a'.repeat(8_000)}`,
      `${'x, '.repeat(3_000)}zz`,
    ];
    for (const value of garbage) {
      const started = performance.now();
      const { status, body } = await server.gql(CLIENT, undefined, { 'x-forwarded-for': value });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(status, value.slice(0, 40)).toBe(200);
      // Not an address: the socket's peer is charged instead.
      expect(body.data.rateLimit.client, value.slice(0, 40)).toBe('ip:127.0.0.1');
    }
    // The one proxy's entry, when it is an address, is what counts; so the check above can fail.
    const { body } = await server.gql(CLIENT, undefined, { 'x-forwarded-for': 'garbage, 203.0.113.9' });
    expect(body.data.rateLimit.client).toBe('ip:203.0.113.9');
  });

  it("a header past Node's limit is refused with 431 and the server still serves", async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': '203.0.113.1, '.repeat(6_000) },
      body: JSON.stringify({ query: CLIENT }),
    }).catch((error: Error) => error);
    expect(performance.now() - started).toBeLessThan(2_000);
    if (!(response instanceof Error)) expect(response.status).toBe(431);
    const served = await stillServes(server);
    expect(served.ok).toBe(true);
    expect(served.ms).toBeLessThan(1_000);
  });

  it('ignores platform headers unless TRUST_PLATFORM_HEADERS says so', async () => {
    const { body } = await server.gql(CLIENT, undefined, { 'x-real-ip': '198.51.100.23', 'x-vercel-forwarded-for': '198.51.100.24' });
    expect(body.data.rateLimit.client).toBe('ip:127.0.0.1');
  });
});

describe('TRUST_PLATFORM_HEADERS=vercel', () => {
  let server: ProductionServer;
  beforeAll(async () => {
    server = await startProductionServer({ TRUST_PLATFORM_HEADERS: 'vercel' });
  });
  afterAll(() => server?.stop());

  it('takes the address from x-real-ip, else x-vercel-forwarded-for, and never from what is not an address', async () => {
    const client = async (headers: Record<string, string>) => (await server.gql(CLIENT, undefined, headers)).body.data.rateLimit.client;
    expect(await client({ 'x-real-ip': '198.51.100.23', 'x-vercel-forwarded-for': '198.51.100.24' })).toBe('ip:198.51.100.23');
    expect(await client({ 'x-vercel-forwarded-for': '198.51.100.24, 10.0.0.1' })).toBe('ip:198.51.100.24');
    expect(await client({ 'x-real-ip': 'evil', 'x-vercel-forwarded-for': '198.51.100.24' })).toBe('ip:198.51.100.24');
    expect(await client({ 'x-real-ip': 'a'.repeat(5_000) })).toBe('ip:127.0.0.1');
    // TRUST_PROXY is off here: X-Forwarded-For says nothing.
    expect(await client({ 'x-forwarded-for': '203.0.113.9' })).toBe('ip:127.0.0.1');
    const served = await stillServes(server);
    expect(served.ok).toBe(true);
    expect(served.ms).toBeLessThan(1_000);
  });
});
