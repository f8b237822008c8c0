import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EngineClient } from '../src/modal/client.ts';
import { startServer, type GraphQLResponse, type TestServer } from './helpers/server.ts';

/**
 * Stands in for Modal's web endpoint (which cannot run here): it records every request and either fails or
 * forwards to the real local engine, as the Modal app would answer with the same handlers.
 */
async function modalStandIn(behaviour: { failFirst?: number; alwaysFail?: boolean }) {
  const received: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  let failures = 0;
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ method: req.method!, path: req.url!, headers: req.headers, body });
    if (behaviour.alwaysFail || failures < (behaviour.failFirst ?? 0)) {
      failures += 1;
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
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
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('the engine client', () => {
  it('sends the Modal proxy-auth headers and retries an idempotent POST after a 503', async () => {
    const modal = await modalStandIn({ failFirst: 1 });
    cleanups.push(modal.close);
    const client = new EngineClient({ baseUrl: modal.url, timeoutMs: 5_000, retries: 2, proxyAuth: { key: 'wk-1', secret: 'ws-2' } });
    const { areas } = await client.areas(['E09000007']);
    expect(areas[0]!.name).toBe('Camden');
    expect(modal.received).toHaveLength(2);
    for (const r of modal.received) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/areas');
      expect(r.headers['modal-key']).toBe('wk-1');
      expect(r.headers['modal-secret']).toBe('ws-2');
      expect(JSON.parse(r.body)).toEqual({ codes: ['E09000007'] });
    }
  });

  it('turns an engine 400 into BAD_USER_INPUT with the field', async () => {
    const client = new EngineClient({ baseUrl: inject('engineUrl'), timeoutMs: 5_000, retries: 0 });
    await expect(client.recommend({ persona: 'student', budget: -1, locationType: 'rent' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'budget' },
    });
  });
});

describe('engine down and fallback', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('answers HTTP 200 with UPSTREAM_UNAVAILABLE on the affected fields when the engine is away', async () => {
    server = await startServer({ LOCAL_ENGINE_URL: 'http://127.0.0.1:9' });
    const { status, body } = await server.gql(`{ area(code: "E09000007") { name } station(id: "145") { name } }`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ area: null, station: null });
    const codes = body.errors!.map((e) => e.extensions!.code);
    expect(codes).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
  });

  it('keeps the rest of the answer when one nullable field fails', async () => {
    const modal = await modalStandIn({ alwaysFail: true });
    cleanups.push(modal.close);
    server = await startServer({ ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: modal.url });
    const { body } = await server.gql(`{ health { status engine { status active } } }`);
    expect(body.data!.health).toEqual({ status: 'degraded', engine: { status: 'DOWN', active: 'modal' } });
  });

  it('in auto mode falls back to the local engine while Modal fails, behind a breaker', async () => {
    const modal = await modalStandIn({ alwaysFail: true });
    cleanups.push(modal.close);
    server = await startServer({
      ENGINE_MODE: 'auto',
      MODAL_ENDPOINT_URL: modal.url,
      ENGINE_BREAKER_FAILURES: '2',
      ENGINE_BREAKER_COOLDOWN_MS: '60000',
    });
    for (let i = 0; i < 5; i += 1) {
      const { body } = await server.gql(`{ area(code: "E0900000${(i % 9) + 1}") { code } }`);
      expect(body.errors).toBeUndefined();
      expect(body.data!.area.code).toBe(`E0900000${(i % 9) + 1}`);
    }
    // Two failures opened the breaker; the next three went straight to the local engine.
    expect(modal.received).toHaveLength(2);
    const { body } = await server.gql(`{ health { engine { active breaker } } }`);
    expect(body.data!.health.engine).toEqual({ active: 'local', breaker: 'open' });
  });
});
