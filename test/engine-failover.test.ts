import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createEngine, type EngineHandle } from '../src/modal/engine.ts';
import { modalStandIn } from './helpers/modal-stand-in.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** ENGINE_MODE=auto over `modalUrl` and the shared test engine, counting calls and log lines. */
function autoEngine(modalUrl: string) {
  const config = loadConfig({
    NODE_ENV: 'test',
    ENGINE_MODE: 'auto',
    MODAL_ENDPOINT_URL: modalUrl,
    LOCAL_ENGINE_URL: inject('engineUrl'),
    ENGINE_RETRIES: '0',
    ENGINE_TIMEOUT_MS: '300',
    ENGINE_BREAKER_FAILURES: '3',
  });
  const calls: Record<string, number> = {};
  const logs: { event: string; [k: string]: unknown }[] = [];
  const handle: EngineHandle = createEngine(
    config.engine,
    (endpoint) => {
      calls[endpoint] = (calls[endpoint] ?? 0) + 1;
    },
    (event, fields) => logs.push({ event, ...fields }),
  );
  cleanups.push(() => handle.close());
  return { ...handle, calls, logs };
}

describe('fail-over from Modal to the local engine', () => {
  it('keeps a request Modal refuses (400) as the answer: Modal is up, nothing goes to the local engine', async () => {
    const modal = await modalStandIn(() => ({
      status: 400,
      body: { error: { code: 'INVALID_VALUE', message: 'budget must be > 0', field: 'budget' } },
    }));
    cleanups.push(modal.close);
    const engine = autoEngine(modal.url);
    await expect(engine.engine.recommend({ persona: 'student', budget: -1, locationType: 'rent' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { endpoint: 'recommend', field: 'budget' },
    });
    expect(engine.calls).toEqual({ recommend: 1 });
    expect(engine.logs.filter((l) => l.event === 'engine.modal.failed')).toEqual([]);
    expect(engine.describe()).toEqual({ mode: 'auto', active: 'modal', breaker: 'closed' });
  });

  it('sends the same request to the local engine when Modal answers in another shape, and counts both calls', async () => {
    const modal = await modalStandIn(() => ({ status: 200, body: { areas: 'not a list' } }));
    cleanups.push(modal.close);
    const engine = autoEngine(modal.url);
    const { areas } = await engine.engine.areas(['E09000007']);
    expect(areas[0]!.name).toBe('Camden');
    expect(JSON.parse(modal.received[0]!.body)).toEqual({ codes: ['E09000007'] });
    expect(engine.calls).toEqual({ areas: 2 });
    expect(engine.logs.filter((l) => l.event === 'engine.modal.failed')).toEqual([
      { event: 'engine.modal.failed', endpoint: 'areas', message: 'Modal answered areas in an unexpected shape', breaker: 'closed' },
    ]);
  });

  it('gives Modal ENGINE_TIMEOUT_MS, then asks the local engine', async () => {
    const waiting: ServerResponse[] = [];
    const silent = createServer((_request, response) => void waiting.push(response));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const response of waiting) response.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const engine = autoEngine(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const started = performance.now();
    const { status } = await engine.engine.health();
    expect(status).toBe('ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(engine.logs.find((l) => l.event === 'engine.modal.failed')).toMatchObject({ message: 'Modal did not answer health in time' });
  });
});
