import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngineProcess } from '../../src/modal/local/supervisor.ts';
import { type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

/** In front of a real engine: forwards every call until `hang()`, then holds every call open, unanswered. */
async function hangingEngine(engineUrl: string) {
  let hanging = false;
  const held = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (hanging) {
      held.add(res);
      return;
    }
    const upstream = await fetch(`${engineUrl}${req.url}`, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: req.method === 'POST' ? body : undefined,
    });
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hang: () => {
      hanging = true;
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const AREA = `{ area(code: "E09000007") { name housing { medianRentAll } safety { rank } } }`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stale while the engine is hung', () => {
  let engine: LocalEngineProcess;
  let proxy: Awaited<ReturnType<typeof hangingEngine>>;
  let server: ProductionServer;
  beforeAll(async () => {
    engine = new LocalEngineProcess({ python: process.env.PYTHON ?? 'python3' });
    proxy = await hangingEngine(await engine.url());
    // Default ENGINE_TIMEOUT_MS (10 s) and ENGINE_STALE_AFTER_MS (400 ms); TTLs of a second, to expire.
    server = await startProductionServer({ LOCAL_ENGINE_URL: proxy.url, CACHE_TTL_AREA: '1', CACHE_TTL_CRIME: '1' });
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await engine?.stop();
  });

  it('answers an expired entry from its stale copy within about a second, marked, not after the engine timeout', async () => {
    const fresh = await server.gql(AREA);
    expect(fresh.body.errors).toBeUndefined();
    expect(fresh.body.extensions?.stale).toBeUndefined();

    proxy.hang();
    await sleep(1_100);
    const started = performance.now();
    const stale = await server.gql(AREA);
    const ms = performance.now() - started;
    expect(stale.status).toBe(200);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data).toEqual(fresh.body.data);
    expect(stale.body.extensions.stale).toEqual([
      { kind: 'area', ids: ['E09000007'] },
      { kind: 'crime', ids: ['E09000007'] },
    ]);
    expect(ms).toBeLessThan(1_000);

    // The refresh is still out (one per key): the next request has the copy at once.
    const againStarted = performance.now();
    const again = await server.gql(AREA);
    expect(again.body.extensions.stale).toHaveLength(2);
    expect(performance.now() - againStarted).toBeLessThan(1_000);

    // What was never cached still waits for the engine; the rest of the server does not.
    const { ok, ms: servesMs } = await stillServes(server);
    expect(ok).toBe(true);
    expect(servesMs).toBeLessThan(1_000);
  });
});
