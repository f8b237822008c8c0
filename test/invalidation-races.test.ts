// Invalidations and warms that meet work in flight, on the real server over the real engine (behind a
// stand-in that holds its answers and changes its figures, as new data would): no answer read before an
// invalidation is kept after it, in the data cache or the response cache, and no answer mixes old and new.
import { describe, expect, it, vi } from 'vitest';
import { ResponseCache } from '../src/cache/response-cache.ts';
import { MemoryAnswers } from '../src/cache/response-memory.ts';
import { engineInFront } from './helpers/engine-in-front.ts';
import { serversPerTest } from './helpers/server.ts';

const server = serversPerTest();
const ADMIN_TOKEN = 'admin-token-for-the-invalidation-races';
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const CAMDEN = 'E09000007';
const AREA = `query Area($code: ID!) { area(code: $code) { code population } }`;
/** New figures, as the engine would answer after a data refresh (the data version left as it was). */
const moreResidents = (text: string) => text.replace(/"population":\s*(\d+)/g, (_, n: string) => `"population":${Number(n) + 1000}`);

describe.each(['on', 'off'])('with RESPONSE_CACHE=%s', (responseCache) => {
  async function setUp() {
    const engine = await engineInFront();
    const s = await server({ ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: engine.url, ADMIN_TOKEN, RESPONSE_CACHE: responseCache });
    const population = async (code: string) => (await s.gql(AREA, { code })).body.data?.area?.population as number;
    return { engine, s, population };
  }

  it('invalidateCache(kind, ids) while the id is being fetched: later requests fetch it again, and the old value is not kept', async () => {
    const { engine, s, population } = await setUp();
    try {
      let release = () => {};
      engine.state.gate = new Promise((resolve) => {
        release = resolve;
      });
      const first = population(CAMDEN);
      await vi.waitFor(() => expect(engine.state.areaCalls).toBe(1));
      // The data changes and the admin says so while the first fetch (of the old figures) is under way.
      engine.state.gate = undefined;
      engine.state.rewrite = moreResidents;
      const invalidated = await s.gql(`mutation { invalidateCache(kind: AREA, ids: ["${CAMDEN}"]) { deleted } }`, {}, ADMIN);
      expect(invalidated.body.data?.invalidateCache).toEqual({ deleted: 1 });
      // Asked after the invalidation: a fetch of its own, not the one already under way.
      const after = await population(CAMDEN);
      expect(engine.state.areaCalls).toBe(2);
      release();
      const old = await first;
      expect(after).toBe(old + 1000);
      // The late fetch of the old figures is written nowhere: the next requests (through the pipeline, then
      // as a prepared operation or a response-cache hit) answer the new ones.
      for (let i = 0; i < 3; i++) expect(await population(CAMDEN)).toBe(after);
      expect(engine.state.areaCalls).toBe(2);
    } finally {
      await engine.close();
    }
  });

  it('warmCache() with new figures: answers of an area by code are dropped too', async () => {
    const { engine, s, population } = await setUp();
    try {
      const before = await population(CAMDEN);
      await population(CAMDEN); // kept as a whole answer (with the response cache on) or prepared (off)
      engine.state.rewrite = moreResidents;
      const warmed = await s.gql(`mutation { warmCache { areas } }`, {}, ADMIN);
      expect(warmed.body.data?.warmCache).toEqual({ areas: 33 });
      for (let i = 0; i < 3; i++) expect(await population(CAMDEN)).toBe(before + 1000);
    } finally {
      await engine.close();
    }
  });

  it('warmCache(codes:) with new figures: the list of every area and the area by code agree', async () => {
    const { engine, s } = await setUp();
    try {
      const BOTH = `query Both($code: ID!) { area(code: $code) { population } areas(first: 33) { nodes { code population } } }`;
      const both = async () => {
        const { data } = (await s.gql(BOTH, { code: CAMDEN })).body;
        return { byCode: data?.area?.population, inList: data?.areas?.nodes.find((a: { code: string }) => a.code === CAMDEN)?.population };
      };
      const before = await both();
      expect(before.inList).toBe(before.byCode);
      engine.state.rewrite = moreResidents;
      const warmed = await s.gql(`mutation { warmCache(codes: ["${CAMDEN}"]) { areas } }`, {}, ADMIN);
      expect(warmed.body.data?.warmCache).toEqual({ areas: 1 });
      for (let i = 0; i < 3; i++) expect(await both()).toEqual({ byCode: before.byCode + 1000, inList: before.byCode + 1000 });
    } finally {
      await engine.close();
    }
  });
});

describe('the in-process response cache and answers begun before a change', () => {
  function cache() {
    const clock = { t: 1_700_000_000_000 };
    const responses = new ResponseCache({
      memory: new MemoryAnswers(1 << 20),
      memoryTtlSeconds: 5,
      redisRetryMs: 1000,
      log: () => {},
      now: () => clock.t,
    });
    return { clock, responses };
  }
  const CRIME = [{ typename: 'kind/crime', id: CAMDEN }, { typename: 'kind/crime' }];

  it('does not store an answer begun before an invalidation of what it read; one begun after is stored', async () => {
    const { clock, responses } = cache();
    const askedAt = responses.time();
    clock.t += 5;
    await responses.invalidate([{ typename: 'kind/crime', id: CAMDEN }]);
    clock.t += 5;
    await responses.set('begun-before', { n: 1 }, CRIME, 60, askedAt);
    expect(await responses.get('begun-before')).toBeNull();
    await responses.set('begun-after', { n: 2 }, CRIME, 60, responses.time());
    expect(await responses.get('begun-after')).toMatchObject({ data: { n: 2 } });
    // What it did not read is stored as before.
    await responses.set('other', { n: 3 }, [{ typename: 'kind/schools' }], 60, askedAt);
    expect(await responses.get('other')).toMatchObject({ data: { n: 3 } });
  });

  it('does not store an answer begun before the engine changed its data version', async () => {
    const { clock, responses } = cache();
    responses.noteDataVersion('v1');
    const askedAt = responses.time();
    clock.t += 5;
    responses.noteDataVersion('v2');
    clock.t += 5;
    await responses.set('begun-before', { n: 1 }, CRIME, 60, askedAt);
    expect(await responses.get('begun-before')).toBeNull();
    await responses.set('begun-after', { n: 2 }, CRIME, 60, responses.time());
    expect(await responses.get('begun-after')).toMatchObject({ data: { n: 2 } });
  });
});
