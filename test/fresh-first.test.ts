// The loaders' fresh-first lookups (src/loaders/fresh-first.ts) over the real Python engine and the real
// cache: a key whose fresh copy is in memory is answered as a value, at once; every other key still goes to
// the engine in one batch; each key counts once per request.
import { describe, expect, inject, it } from 'vitest';
import type { Clock } from '../src/cache/cache.ts';
import { createLoaders, newRequestStats } from '../src/loaders/loaders.ts';
import { EngineClient } from '../src/modal/client.ts';
import type { Engine } from '../src/modal/engine.ts';
import { testCache } from './helpers/cache.ts';

const CAMDEN = 'E09000007';
const HACKNEY = 'E09000012';
const ISLINGTON = 'E09000019';
const TTL_SECONDS = 60;

/** The real engine, with every call it is asked written down (method and ids). */
function countedEngine() {
  const client = new EngineClient({ baseUrl: inject('engineUrl'), timeoutMs: 5_000, retries: 0 });
  const calls: { method: string; args: unknown[] }[] = [];
  const engine = new Proxy(client, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        calls.push({ method: String(name), args });
        return member.apply(target, args);
      };
    },
  }) as Engine;
  return { engine, calls };
}

function setUp() {
  const clock = new (class implements Clock {
    t = 1_700_000_000_000;
    now = () => this.t;
    after = () => () => {};
  })();
  const cache = testCache({ prefix: 'ff', ttlSeconds: TTL_SECONDS, clock });
  const { engine, calls } = countedEngine();
  /** The loaders of a new request, with its stats. */
  const request = (options?: Parameters<typeof createLoaders>[3]) => {
    const stats = newRequestStats();
    return { stats, loaders: createLoaders(engine, cache, stats, options) };
  };
  return { clock, calls, request };
}

const isPromise = (value: unknown) => typeof (value as PromiseLike<unknown> | null)?.then === 'function';

describe('fresh-first loaders', () => {
  it('answers a fresh copy at once, as a value, with the cache hit counted once for the request', async () => {
    const { calls, request } = setUp();
    const cold = request();
    const first = cold.loaders.crime.load(CAMDEN);
    expect(isPromise(first)).toBe(true);
    const crime = await first;
    expect(crime).toMatchObject({ rank: expect.any(Number) });
    expect(cold.stats).toMatchObject({ hits: 0, misses: 1, engineCalls: 1 });

    const warm = request();
    const again = warm.loaders.crime.load(CAMDEN);
    expect(isPromise(again)).toBe(false);
    expect(again).toEqual(crime);
    // Asked twice in the request: one lookup, as a DataLoader would have made.
    expect(warm.loaders.crime.load(CAMDEN)).toBe(again);
    expect(warm.stats).toMatchObject({ hits: 1, misses: 0, engineCalls: 0 });
    expect(warm.stats.read?.get('crime')).toEqual(new Set([CAMDEN]));
    expect(warm.stats.freshUntil).toBeGreaterThan(0);
    expect(calls.filter((c) => c.method === 'crime')).toHaveLength(1);
  });

  it('sends only the keys it has no fresh copy of, together in one engine call', async () => {
    const { calls, request } = setUp();
    await request().loaders.schools.load(CAMDEN);
    const { loaders, stats } = request();
    const [camden, hackney, islington] = await loaders.schools.loadMany([CAMDEN, HACKNEY, ISLINGTON]);
    for (const schools of [camden, hackney, islington]) expect(schools).toMatchObject({ gcse5acPct: expect.any(Number) });
    const schoolCalls = calls.filter((c) => c.method === 'schools');
    expect(schoolCalls.map((c) => c.args[0])).toEqual([[CAMDEN], [HACKNEY, ISLINGTON]]);
    expect(stats).toMatchObject({ hits: 1, misses: 2, engineCalls: 1 });
  });

  it('keeps a key it sent to the engine with the DataLoader for the rest of the request (counted once)', async () => {
    const { request } = setUp();
    const { loaders, stats } = request();
    const pending = loaders.area.load(CAMDEN);
    const area = await pending;
    // Now fresh in memory, but this request already looked it up: no second lookup, no hit.
    const again = loaders.area.load(CAMDEN);
    expect(isPromise(again)).toBe(true);
    expect(await again).toBe(area);
    expect(stats).toMatchObject({ hits: 0, misses: 1, engineCalls: 1 });
  });

  it('does not answer an expired copy at once: the request goes through the cache, which asks the engine', async () => {
    const { clock, calls, request } = setUp();
    await request().loaders.area.load(HACKNEY);
    clock.t += TTL_SECONDS * 1000 + 1;
    const { loaders, stats } = request();
    const load = loaders.area.load(HACKNEY);
    expect(isPromise(load)).toBe(true);
    expect(await load).toMatchObject({ code: HACKNEY });
    expect(calls.filter((c) => c.method === 'areas')).toHaveLength(2);
    expect(stats).toMatchObject({ hits: 0, misses: 1, engineCalls: 1 });
  });

  it('warming (refresh) always asks the engine, fresh copy or not', async () => {
    const { calls, request } = setUp();
    await request().loaders.crime.load(ISLINGTON);
    const warming = request({ refresh: true });
    const load = warming.loaders.crime.load(ISLINGTON);
    expect(isPromise(load)).toBe(true);
    await load;
    expect(calls.filter((c) => c.method === 'crime')).toHaveLength(2);
  });

  it('a primed value answers the rest of the request; a key already looked up keeps what it read', async () => {
    const { request } = setUp();
    const [one, two] = (await request().loaders.stationSearch.load('')).map((s) => s.id);
    await request().loaders.station.load(one!);
    const { loaders, stats } = request();
    const read = loaders.station.load(one!);
    expect(read).toMatchObject({ id: one });
    loaders.station.prime(one!, null);
    expect(loaders.station.load(one!)).toBe(read);
    const primed = { id: two, name: 'primed' } as never;
    loaders.station.prime(two!, primed);
    expect(loaders.station.load(two!)).toBe(primed);
    expect(stats).toMatchObject({ hits: 1, misses: 0, engineCalls: 0 });
  });
});
