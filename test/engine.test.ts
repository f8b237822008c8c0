import { afterEach, describe, expect, inject, it } from 'vitest';
import { EngineClient } from '../src/modal/client.ts';
import { failing, modalStandIn } from './helpers/modal-stand-in.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('the engine client', () => {
  it('sends the Modal proxy-auth headers and retries an idempotent POST after a 503', async () => {
    const modal = await modalStandIn(failing(1));
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
    const { status, body } = await server.gql(`{ area(code: "E09000007") { name } station(code: "145") { name } }`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ area: null, station: null });
    const codes = body.errors!.map((e) => e.extensions!.code);
    expect(codes).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
  });

  it('keeps the rest of the answer when one nullable field fails', async () => {
    const modal = await modalStandIn(failing(Infinity));
    cleanups.push(modal.close);
    server = await startServer({ ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: modal.url });
    const { status, body } = await server.gql(`{
      area(code: "E09000007") { name safety { rank } }
      station(code: "145") { name }
      rateLimit { client tier }
      health { status engine { status active } }
    }`);
    expect(status).toBe(200);
    // What does not need the engine is served in full...
    expect(body.data!.rateLimit).toEqual({ client: 'ip:127.0.0.1', tier: 'anonymous' });
    expect(body.data!.health).toEqual({ status: 'degraded', engine: { status: 'DOWN', active: 'modal' } });
    // ...and each engine field is null, with its own coded error at its own path.
    expect(body.data!.area).toBeNull();
    expect(body.data!.station).toBeNull();
    const errors = body.errors!.map((e) => ({ path: e.path, code: e.extensions!.code }));
    expect(errors.sort((a, b) => String(a.path).localeCompare(String(b.path)))).toEqual([
      { path: ['area'], code: 'UPSTREAM_UNAVAILABLE' },
      { path: ['station'], code: 'UPSTREAM_UNAVAILABLE' },
    ]);
  });

  it('in auto mode falls back to the local engine while Modal fails, behind a breaker', async () => {
    const modal = await modalStandIn(failing(Infinity));
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
