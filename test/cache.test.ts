import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis as IORedis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashLocal, type UpstashLocal } from '../scripts/upstash-local.ts';
import type { Clock } from '../src/cache/cache.ts';
import { MemoryStore } from '../src/cache/memory-store.ts';
import { ALL_AREAS, cacheKinds, policyOf } from '../src/config/cache-kinds.ts';
import { newRequestStats } from '../src/loaders/loaders.ts';
import { LocalEngineProcess } from '../src/modal/local/supervisor.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { testCache } from './helpers/cache.ts';
import { liveHeap } from './helpers/heap.ts';
import { freePort, OwnRedis, requireRedis } from './helpers/redis.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const redisUp = await requireRedis();
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const AREA = `{ area(code: "E09000007") { name housing { medianRentAll } safety { rank } } }`;
const DASHBOARD = `{ areas(first: 33) { nodes { code housing { medianRentAll } safety { rank } schools { rank } } } }`;

describe.skipIf(!redisUp)('cache over a real Redis through the Upstash client', () => {
  let upstash: UpstashLocal;
  const requests: { path: string; commands: string[] }[] = [];
  const servers: TestServer[] = [];
  const redis = new IORedis('redis://127.0.0.1:6379', { lazyConnect: true });

  beforeAll(async () => {
    upstash = await startUpstashLocal({
      onRequest: (path, commands) => requests.push({ path, commands: commands.map((c) => String(c[0]).toUpperCase()) }),
    });
  });
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close();
  });
  afterAll(async () => {
    await upstash.close();
    redis.disconnect();
  });

  /** A server on the shared Redis; servers given the same prefix share one cache, as instances would. */
  async function server(prefix: string, env: Record<string, string> = {}) {
    const s = await startServer({
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      CACHE_PREFIX: prefix,
      ADMIN_TOKEN,
      ...env,
    });
    servers.push(s);
    return s;
  }
  const prefix = () => `t${randomUUID().slice(0, 8)}`;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  it('a second instance answers what the first cached with no engine call', async () => {
    const p = prefix();
    const first = await server(p);
    const second = await server(p);
    expect(await first.countEngineCalls(() => first.gql(DASHBOARD))).toEqual({ areas: 1, crime: 1, schools: 1 });
    let answer: any;
    expect(await second.countEngineCalls(async () => (answer = await second.gql(DASHBOARD)))).toEqual({});
    expect(answer.body.data.areas.nodes).toHaveLength(33);
    expect(answer.body.errors).toBeUndefined();
  });

  it('reads a batch in one round trip and writes the misses back in one', async () => {
    const s = await server(prefix());
    await s.gql(AREA); // versions read once
    requests.length = 0;
    await s.gql(`{ a: area(code: "E09000001") { safety { rank } } b: area(code: "E09000002") { safety { rank } }
      c: area(code: "E09000003") { safety { rank } } }`);
    const crimeReads = requests.filter((r) => r.commands.includes('MGET'));
    // One MGET for the three areas, one for their three crime figures: never one read per key.
    expect(crimeReads).toHaveLength(2);
    const writes = requests.filter((r) => r.commands.includes('SET'));
    expect(writes).toHaveLength(2);
    for (const w of writes) expect(w.commands).toEqual(['SET', 'SET', 'SET']);
  });

  it('keeps each kind for its TTL, plus the stale window, in Redis', async () => {
    const p = prefix();
    const s = await server(p, { CACHE_TTL_AREA: '120', CACHE_TTL_CRIME: '2000', CACHE_STALE_SECONDS: '600' });
    await s.gql(AREA);
    await redis.connect().catch(() => {});
    expect(await redis.ttl(`${p}:v1:area:E09000007`)).toBeGreaterThan(700);
    expect(await redis.ttl(`${p}:v1:area:E09000007`)).toBeLessThanOrEqual(720);
    expect(await redis.ttl(`${p}:v1:crime:E09000007`)).toBeGreaterThan(2500);
  });

  it('asks the engine again once the TTL has passed', async () => {
    const s = await server(prefix(), { CACHE_TTL_AREA: '1', CACHE_TTL_CRIME: '1' });
    expect(await s.countEngineCalls(() => s.gql(AREA))).toEqual({ areas: 1, crime: 1 });
    expect(await s.countEngineCalls(() => s.gql(AREA))).toEqual({});
    await sleep(1_100);
    expect(await s.countEngineCalls(() => s.gql(AREA))).toEqual({ areas: 1, crime: 1 });
  });

  it('50 concurrent identical cold queries make one engine call per kind', async () => {
    const s = await server(prefix());
    let answers: any[] = [];
    const calls = await s.countEngineCalls(async () => {
      answers = await Promise.all(Array.from({ length: 50 }, () => s.gql(DASHBOARD)));
    });
    expect(calls).toEqual({ areas: 1, crime: 1, schools: 1 });
    for (const a of answers) expect(a.body.data.areas.nodes).toHaveLength(33);
  });

  it('invalidates a whole kind at once by its version, on every instance within the memory TTL', async () => {
    const p = prefix();
    const a = await server(p, { CACHE_MEMORY_TTL_SECONDS: '1' });
    const b = await server(p, { CACHE_MEMORY_TTL_SECONDS: '1' });
    await a.gql(AREA);
    expect(await b.countEngineCalls(() => b.gql(AREA))).toEqual({});

    const { body } = await a.gql(`mutation { invalidateCache(kind: AREA) { kind version deleted } }`, {}, admin);
    expect(body.data!.invalidateCache).toEqual({ kind: 'AREA', version: 2, deleted: 0 });
    await sleep(1_100);
    // b learns the new version within its memory TTL and fetches the area again; crime was not invalidated.
    expect(await b.countEngineCalls(() => b.gql(AREA))).toEqual({ areas: 1 });
    // ...and what b fetched under the new version serves a.
    expect(await a.countEngineCalls(() => a.gql(AREA))).toEqual({});
  });

  it('invalidates single ids', async () => {
    const s = await server(prefix());
    await s.gql(AREA);
    const { body } = await s.gql(`mutation { invalidateCache(kind: CRIME, ids: ["E09000007"]) { deleted version } }`, {}, admin);
    expect(body.data!.invalidateCache).toEqual({ deleted: 1, version: 1 });
    expect(await s.countEngineCalls(() => s.gql(AREA))).toEqual({ crime: 1 });
  });

  it('refuses the admin mutations without the right token', async () => {
    const s = await server(prefix());
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-but-long-enough' },
      { authorization: ADMIN_TOKEN },
    ];
    for (const headers of attempts) {
      const { body } = await s.gql(`mutation { invalidateCache(kind: AREA) { version } }`, {}, headers);
      expect(body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    // The scheme is case-insensitive (RFC 9110): the right token in lower case is the admin.
    const lower = await s.gql(`mutation { invalidateCache(kind: AREA) { version } }`, {}, { authorization: `bearer ${ADMIN_TOKEN}` });
    expect(lower.body.errors).toBeUndefined();
  });

  it('warms the cache so the next dashboard costs no engine call', async () => {
    const s = await server(prefix());
    const { body } = await s.gql(`mutation { warmCache(destinations: ["145"]) { areas warmed engineCalls } }`, {}, admin);
    expect(body.errors).toBeUndefined();
    expect(body.data!.warmCache.areas).toBe(33);
    expect(body.data!.warmCache.warmed).toBeGreaterThanOrEqual(33 * 4);
    expect(await s.countEngineCalls(() => s.gql(DASHBOARD))).toEqual({});
    expect(await s.countEngineCalls(() => s.gql(`{ area(code: "E09000010") { commute(to: "145") { minutes } } }`))).toEqual({});
  });

  it('serves a stale copy, marked, while the engine is down', async () => {
    const engine = new LocalEngineProcess({ python: 'python3' });
    const s = await server(prefix(), { LOCAL_ENGINE_URL: await engine.url(), CACHE_TTL_AREA: '1', CACHE_TTL_CRIME: '1' });
    try {
      const fresh = await s.gql(AREA);
      expect(fresh.body.extensions?.stale).toBeUndefined();
      await engine.stop();
      await sleep(1_100);
      const { status, body } = await s.gql(AREA);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual(fresh.body.data);
      expect(body.extensions!.stale).toEqual([
        { kind: 'area', ids: ['E09000007'] },
        { kind: 'crime', ids: ['E09000007'] },
      ]);
      // What was never cached still fails, on its own field only.
      const partial = await s.gql(`{ area(code: "E09000007") { name } other: area(code: "E09000008") { name } }`);
      expect(partial.body.data!.area.name).toBe('Camden');
      expect(partial.body.data!.other).toBeNull();
      expect(partial.body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await engine.stop();
    }
  });

  it('counts hits, misses and stale answers per kind and tier', async () => {
    // The second request reaches the data cache only without the response cache in front.
    const s = await server(prefix(), { RESPONSE_CACHE: 'off' });
    await s.gql(AREA);
    await s.gql(AREA);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/veo_cache_lookups_total\{kind="area",result="miss",tier="redis"\} 1/);
    expect(text).toMatch(/veo_cache_lookups_total\{kind="area",result="hit",tier="memory"\} 1/);
  });
});

describe.skipIf(!redisUp)('Redis down and back', () => {
  it('keeps answering while Redis is away and uses it again once it is back', async () => {
    const own = new OwnRedis(await freePort());
    await own.start();
    const upstash = await startUpstashLocal({ redisUrl: own.url });
    const s = await startServer({
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      CACHE_MEMORY_TTL_SECONDS: '1',
      CACHE_REDIS_TIMEOUT_MS: '200',
      CACHE_REDIS_RETRY_MS: '300',
      // Repeated questions must reach the data cache, not be answered whole.
      RESPONSE_CACHE: 'off',
    });
    try {
      await s.gql(AREA);
      await own.stop();
      await sleep(1_100);
      const started = performance.now();
      const down = await s.gql(AREA);
      expect(down.body.errors).toBeUndefined();
      expect(down.body.data!.area.name).toBe('Camden');
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(s.logs.some((l) => l.event === 'cache.redis.failed')).toBe(true);

      await own.start();
      await sleep(1_200);
      await s.gql(`{ area(code: "E09000020") { name } }`); // written to Redis again
      await sleep(1_100); // past the memory tier
      const back = await s.countEngineCalls(() => s.gql(`{ area(code: "E09000020") { name } }`));
      expect(back).toEqual({});
      const text = await (await fetch(`${s.url}/metrics`)).text();
      expect(text).toMatch(/veo_cache_lookups_total\{kind="area",result="hit",tier="redis"\} [1-9]/);
    } finally {
      await s.close();
      await upstash.close();
      await own.stop();
    }
  });
});

/** Time that moves only when told: a slow engine is played without waiting for it. */
class FakeClock implements Clock {
  private t = 1_700_000_000_000;
  private readonly timers: { at: number; fn: () => void; done: boolean }[] = [];
  now = () => this.t;
  after(ms: number, fn: () => void) {
    const timer = { at: this.t + ms, fn, done: false };
    this.timers.push(timer);
    return () => {
      timer.done = true;
    };
  }
  /** Moves time on, runs the timers that fall due, then lets the promises they settle run. */
  async advance(ms: number) {
    this.t += ms;
    for (const timer of this.timers) {
      if (!timer.done && timer.at <= this.t) {
        timer.done = true;
        timer.fn();
      }
    }
    await settle();
  }
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** An engine that answers only when the test says so. */
function slowEngine() {
  const calls: string[][] = [];
  const answers: { resolve: (values: unknown[]) => void; reject: (error: Error) => void }[] = [];
  const fetch = (ids: string[]) => {
    calls.push(ids);
    return new Promise<unknown[]>((resolve, reject) => answers.push({ resolve, reject }));
  };
  return { calls, answers, fetch };
}

describe('stale while the engine is slow', () => {
  const TTL = 60;
  function cache(clock: FakeClock) {
    const metrics = createMetrics();
    return { c: testCache({ prefix: 'swr', ttlSeconds: TTL, clock, staleAfterMs: 400, metrics }), metrics };
  }
  /** A load whose settling the test can watch, once it has reached the engine (or settled). */
  async function watched<T>(promise: Promise<T>) {
    const state = { done: false, value: undefined as T | undefined };
    void promise.then((value) => Object.assign(state, { done: true, value }));
    await settle();
    return state;
  }

  it('answers an expired entry with its copy once the refresh is slower than staleAfterMs, then writes the refresh', async () => {
    const clock = new FakeClock();
    const { c, metrics } = cache(clock);
    const engine = slowEngine();
    await c.store('area', [{ id: 'A', value: { name: 'first' } }]);
    await clock.advance(TTL * 1000 + 1);

    const stats = newRequestStats();
    const first = await watched(c.load('area', ['A'], engine.fetch, stats));
    await clock.advance(399);
    expect(first.done).toBe(false);
    expect(engine.calls).toEqual([['A']]);
    await clock.advance(1);
    expect(first.done).toBe(true);
    expect(first.value).toEqual([{ value: { name: 'first' }, stale: true, cached: true }]);
    expect([...stats.stale.get('area')!]).toEqual(['A']);

    // While the refresh is still out, another request gets the copy at once, marked, and asks nothing more.
    const again = newRequestStats();
    expect(await c.load('area', ['A'], engine.fetch, again)).toEqual([{ value: { name: 'first' }, stale: true, cached: true }]);
    expect([...again.stale.get('area')!]).toEqual(['A']);
    expect(engine.calls).toHaveLength(1);

    // The engine's late answer is written: the next request has it, fresh, with no call.
    engine.answers[0]!.resolve([{ name: 'second' }]);
    await settle();
    const later = newRequestStats();
    expect(await c.load('area', ['A'], engine.fetch, later)).toEqual([{ value: { name: 'second' }, stale: false, cached: true }]);
    expect(later.stale.size).toBe(0);
    expect(engine.calls).toHaveLength(1);
    expect(await metrics.registry.getSingleMetricAsString('veo_cache_lookups_total')).toMatch(
      /kind="area",result="stale",tier="memory"\} 1$/m,
    );
  });

  it('does not wait again, in a request already answered stale, for the next expired entry', async () => {
    const clock = new FakeClock();
    const { c } = cache(clock);
    const engine = slowEngine();
    await c.store('area', [{ id: 'A', value: { name: 'area' } }]);
    await c.store('crime', [{ id: 'A', value: { rate: 1 } }]);
    await clock.advance(TTL * 1000 + 1);
    const stats = newRequestStats();
    const area = await watched(c.load('area', ['A'], engine.fetch, stats));
    await clock.advance(400);
    expect(area.done).toBe(true);
    // The crime figures are looked up once the area is known, as a resolver would.
    const crime = await watched(c.load('crime', ['A'], engine.fetch, stats));
    await clock.advance(0);
    expect(crime.value).toEqual([{ value: { rate: 1 }, stale: true, cached: true }]);
    expect(engine.calls).toHaveLength(2);
    // Another request waits its own staleAfterMs.
    await c.store('schools', [{ id: 'A', value: { rank: 3 } }]);
    await clock.advance(TTL * 1000 + 1);
    const other = await watched(c.load('schools', ['A'], engine.fetch, newRequestStats()));
    await clock.advance(0);
    expect(other.done).toBe(false);
    await clock.advance(400);
    expect(other.done).toBe(true);
  });

  it('an invalidation of an id being fetched: the next load fetches it again, and the old fetch writes nothing', async () => {
    const clock = new FakeClock();
    const { c } = cache(clock);
    const engine = slowEngine();
    const before = await watched(c.load('area', ['A'], engine.fetch, newRequestStats()));
    await c.invalidate('area', ['A']);
    const after = await watched(c.load('area', ['A'], engine.fetch, newRequestStats()));
    expect(engine.calls).toEqual([['A'], ['A']]);
    engine.answers[0]!.resolve([{ name: 'old' }]);
    await settle();
    expect(before).toMatchObject({ done: true, value: [{ value: { name: 'old' } }] });
    // The old fetch ended: a load now joins the one asked after the invalidation, not a third.
    const joined = await watched(c.load('area', ['A'], engine.fetch, newRequestStats()));
    expect(engine.calls).toHaveLength(2);
    engine.answers[1]!.resolve([{ name: 'new' }]);
    await settle();
    expect(after).toMatchObject({ done: true, value: [{ value: { name: 'new' } }] });
    expect(joined).toMatchObject({ done: true, value: [{ value: { name: 'new' } }] });
    expect(await c.load('area', ['A'], engine.fetch, newRequestStats())).toEqual([{ value: { name: 'new' }, stale: false, cached: true }]);
    expect(engine.calls).toHaveLength(2);
  });

  it('serves a refresh that answers within staleAfterMs fresh', async () => {
    const clock = new FakeClock();
    const { c } = cache(clock);
    const engine = slowEngine();
    await c.store('area', [{ id: 'A', value: { name: 'first' } }]);
    await clock.advance(TTL * 1000 + 1);
    const stats = newRequestStats();
    const load = await watched(c.load('area', ['A'], engine.fetch, stats));
    await clock.advance(300);
    engine.answers[0]!.resolve([{ name: 'second' }]);
    await settle();
    expect(load.value).toEqual([{ value: { name: 'second' }, stale: false, cached: false }]);
    await clock.advance(1000);
    expect(stats.stale.size).toBe(0);
  });

  it('keeps a fresh miss with no copy waiting for the engine, however slow', async () => {
    const clock = new FakeClock();
    const { c } = cache(clock);
    const engine = slowEngine();
    const load = await watched(c.load('area', ['B'], engine.fetch, newRequestStats()));
    await clock.advance(5_000);
    expect(load.done).toBe(false);
    engine.answers[0]!.resolve([{ name: 'b' }]);
    await settle();
    expect(load.value).toEqual([{ value: { name: 'b' }, stale: false, cached: false }]);
  });

  it('after a copy was served, an engine failure changes nothing and the next request refreshes again', async () => {
    const clock = new FakeClock();
    const { c } = cache(clock);
    const engine = slowEngine();
    await c.store('area', [{ id: 'A', value: { name: 'first' } }]);
    await clock.advance(TTL * 1000 + 1);
    const first = await watched(c.load('area', ['A'], engine.fetch, newRequestStats()));
    await clock.advance(400);
    expect(first.value).toEqual([{ value: { name: 'first' }, stale: true, cached: true }]);
    engine.answers[0]!.reject(new Error('engine timed out'));
    await settle();
    const next = await watched(c.load('area', ['A'], engine.fetch, newRequestStats()));
    await clock.advance(400);
    expect(next.value).toEqual([{ value: { name: 'first' }, stale: true, cached: true }]);
    expect(engine.calls).toHaveLength(2);
  });
});

describe('the cache over in-memory stores, on a fake clock', () => {
  // Above the minute a running explanation job is kept, so the two can be told apart.
  const TTL = 600;
  /** A cache with every kind's TTL at TTL; `shared` plays the Redis tier, so two caches can share it. */
  function cache(clock: FakeClock, shared?: MemoryStore) {
    return testCache({ prefix: 'unit', ttlSeconds: TTL, clock, redis: shared });
  }
  /**
   * An engine that answers every id at once with `{ id, call }`, and remembers what it was asked. Each
   * value is also a finished job, so that every kind keeps it for the TTL (explanations keep only those).
   */
  function engine() {
    const calls: string[][] = [];
    const fetch = async (ids: string[]) => {
      calls.push(ids);
      return ids.map((id) => ({ id, call: calls.length, status: 'READY' }));
    };
    return { calls, fetch };
  }
  /** What each lookup answered: `{ id, call }` says which engine call fetched it. */
  const values = (lookups: unknown[]) =>
    lookups.map((l) => {
      if (l instanceof Error) return l.message;
      const { status: _job, ...value } = (l as { value: { status?: string } }).value;
      return value;
    });

  it('keeps a value for its TTL, then asks the engine again', async () => {
    const clock = new FakeClock();
    const c = cache(clock);
    const e = engine();
    expect(values(await c.load('crime', ['A', 'B'], e.fetch))).toEqual([
      { id: 'A', call: 1 },
      { id: 'B', call: 1 },
    ]);
    await clock.advance(TTL * 1000 - 1);
    expect(values(await c.load('crime', ['A', 'B'], e.fetch))).toEqual([
      { id: 'A', call: 1 },
      { id: 'B', call: 1 },
    ]);
    await clock.advance(1);
    expect(values(await c.load('crime', ['B'], e.fetch))).toEqual([{ id: 'B', call: 2 }]);
    expect(e.calls).toEqual([['A', 'B'], ['B']]);
  });

  it('answers a failed refresh with the expired copy, marked stale, and fails only the ids it never had', async () => {
    const clock = new FakeClock();
    const c = cache(clock);
    await c.store('area', [{ id: 'A', value: { name: 'kept' } }]);
    await clock.advance(TTL * 1000);
    const stats = newRequestStats();
    const lookups = await c.load('area', ['A', 'B'], () => Promise.reject(new Error('engine down')), stats);
    expect(lookups[0]).toEqual({ value: { name: 'kept' }, stale: true, cached: true });
    expect(lookups[1]).toBeInstanceOf(Error);
    expect((lookups[1] as Error).message).toBe('engine down');
    expect([...stats.stale.get('area')!]).toEqual(['A']);
  });

  it('asks the engine once for an id two loads want at the same time (single flight)', async () => {
    const clock = new FakeClock();
    const c = cache(clock);
    const slow = slowEngine();
    const first = newRequestStats();
    const second = newRequestStats();
    const loads = Promise.all([c.load('station', ['7', '8'], slow.fetch, first), c.load('station', ['8', '9'], slow.fetch, second)]);
    await settle();
    // The second load asked only for what the first was not already fetching.
    expect(slow.calls).toEqual([['7', '8'], ['9']]);
    slow.answers[0]!.resolve([{ id: 7 }, { id: 8 }]);
    slow.answers[1]!.resolve([{ id: 9 }]);
    const [a, b] = await loads;
    expect(values(a)).toEqual([{ id: 7 }, { id: 8 }]);
    expect(values(b)).toEqual([{ id: 8 }, { id: 9 }]);
    expect({ hits: second.hits, misses: second.misses }).toEqual({ hits: 1, misses: 1 });
  });

  it('invalidates single ids, keeping the rest of the kind', async () => {
    const clock = new FakeClock();
    const c = cache(clock);
    const e = engine();
    await c.load('schools', ['A', 'B', 'C'], e.fetch);
    expect(await c.invalidate('schools', ['A', 'C'])).toEqual({ version: 1, deleted: 2 });
    expect(values(await c.load('schools', ['A', 'B', 'C'], e.fetch))).toEqual([
      { id: 'A', call: 2 },
      { id: 'B', call: 1 },
      { id: 'C', call: 2 },
    ]);
    expect(e.calls).toEqual([
      ['A', 'B', 'C'],
      ['A', 'C'],
    ]);
  });

  it('invalidates a whole kind at once by its version, on every cache sharing the store, and no other kind', async () => {
    const clock = new FakeClock();
    const shared = new MemoryStore(1 << 20);
    const a = cache(clock, shared);
    const b = cache(clock, shared);
    const e = engine();
    await a.load('commute', ['A>1', 'B>1'], e.fetch);
    await a.load('crime', ['A'], e.fetch);
    // The other cache reads what the first wrote to the shared store: no engine call.
    expect(values(await b.load('commute', ['A>1'], e.fetch))).toEqual([{ id: 'A>1', call: 1 }]);
    expect(e.calls).toHaveLength(2);

    expect(await a.invalidate('commute')).toEqual({ version: 2, deleted: 0 });
    // The other cache sees the new version once its copy of the versions is older than the memory TTL.
    await clock.advance(5_001);
    expect(values(await b.load('commute', ['A>1', 'B>1'], e.fetch))).toEqual([
      { id: 'A>1', call: 3 },
      { id: 'B>1', call: 3 },
    ]);
    expect(values(await b.load('crime', ['A'], e.fetch))).toEqual([{ id: 'A', call: 2 }]);
    expect(e.calls).toHaveLength(3);
  });

  it('drops the lists the policy table names with any id of their kind (every area with an area)', async () => {
    for (const kind of cacheKinds) {
      const clock = new FakeClock();
      const c = cache(clock);
      const e = engine();
      await c.load(kind, ['all', 'X', 'Y'], e.fetch);
      await c.invalidate(kind, ['X']);
      await c.load(kind, ['all', 'X', 'Y'], e.fetch);
      const dropped = ['all', 'X'].filter((id) => id === 'X' || (policyOf(kind).alsoDrops ?? []).includes(id));
      expect(e.calls.slice(1), kind).toEqual([dropped]);
    }
    expect(policyOf('area').alsoDrops).toEqual([ALL_AREAS]);
  });

  it('keeps each explanation job as the policy table says: finished for the TTL, running briefly, failed not at all', async () => {
    const clock = new FakeClock();
    const c = cache(clock);
    const calls: string[][] = [];
    const jobs = async (ids: string[]) => {
      calls.push(ids);
      return ids.map((id) => ({ id, status: id }));
    };
    await c.load('explanation', ['READY', 'PENDING', 'FAILED'], jobs);
    await c.load('explanation', ['READY', 'PENDING', 'FAILED'], jobs);
    expect(calls.slice(1)).toEqual([['FAILED']]);
    await clock.advance(60_000);
    await c.load('explanation', ['READY', 'PENDING'], jobs);
    await clock.advance(TTL * 1000 - 60_000);
    await c.load('explanation', ['READY'], jobs);
    expect(calls.slice(2)).toEqual([['PENDING'], ['READY']]);
    // A load told not to write hands the value back and keeps nothing.
    await c.load('explanation', ['other'], jobs, undefined, { write: false });
    await c.load('explanation', ['other'], jobs);
    expect(calls.slice(4)).toEqual([['other'], ['other']]);
  });
  it('answers fresh copies in memory with the same request bookkeeping as a lookup through the tiers', async () => {
    const clock = new FakeClock();
    const c = cache(clock);
    const e = engine();
    await c.load('crime', ['A', 'B'], e.fetch);
    await clock.advance(1_000);
    // Fresh in memory: answered at once. One id not in memory: the whole batch goes through the tiers.
    const fast = newRequestStats();
    const fastLookups = await c.load('crime', ['A', 'B', 'A'], e.fetch, fast);
    const slow = newRequestStats();
    const slowLookups = await c.load('crime', ['A', 'C'], e.fetch, slow);
    expect(fastLookups).toEqual([
      { value: expect.objectContaining({ id: 'A', call: 1 }), stale: false, cached: true },
      { value: expect.objectContaining({ id: 'B', call: 1 }), stale: false, cached: true },
      { value: expect.objectContaining({ id: 'A', call: 1 }), stale: false, cached: true },
    ]);
    expect(slowLookups[0]).toEqual(fastLookups[0]);
    expect(fast).toMatchObject({ hits: 3, misses: 0, engineCalls: 0, unsettled: false, freshUntil: clock.now() - 1_000 + TTL * 1000 });
    expect([...fast.read!.get('crime')!]).toEqual(['A', 'B']);
    expect(slow).toMatchObject({ hits: 1, freshUntil: fast.freshUntil });
    expect([...slow.read!.get('crime')!]).toEqual(['A', 'C']);
    expect(e.calls).toEqual([['A', 'B'], ['C']]);
    // After an invalidation of the kind, nothing is fresh in memory under its new version.
    await c.invalidate('crime');
    await c.load('crime', ['A'], e.fetch, newRequestStats());
    expect(e.calls.at(-1)).toEqual(['A']);
    // A job still running is not final, however it was read.
    await c.load('explanation', ['PENDING'], async (ids) => ids.map((id) => ({ id, status: 'PENDING' })));
    const job = newRequestStats();
    await c.load('explanation', ['PENDING'], e.fetch, job);
    expect(job).toMatchObject({ hits: 1, unsettled: true });
  });
});

describe('the in-process tier in heap bytes', () => {
  const MB = 1024 * 1024;
  const stations = readFileSync(new URL('../python/data/tube_stations.csv', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!);
  const COMMUTES = `query Commutes($to: ID!) { areas(first: 33) { nodes { code commute(to: $to) { minutes changes } } } }`;
  const RECOMMEND = `query Recommend($input: RecommendationInput!) { recommendations(input: $input) { total results { rank score } } }`;

  it('filled past CACHE_MEMORY_MAX_MB, grows the heap by about that much and no more', async () => {
    const bound = 8;
    // The response cache would keep its own share of these answers: it is measured in response-cache.test.ts.
    const s = await startServer({ CACHE_MEMORY_MAX_MB: String(bound), RESPONSE_CACHE: 'off' });
    try {
      // Compiled documents, optimised code and first-use caches are not the cache: made before measuring,
      // by the same requests, then the entries they left are dropped.
      for (const to of stations.slice(-40)) await s.gql(COMMUTES, { to });
      for (let i = 0; i < 8; i += 1)
        await s.gql(RECOMMEND, { input: { persona: 'STUDENT', locationType: 'RENT', budget: 700 + i, limit: 33 } });
      s.app.cache.memory.clear();
      const before = liveHeap();
      // About 10,000 commutes (1 KB of JSON each) and 150 rankings (up to 22 KB each): some 40 MB by the
      // store's estimate, far past the bound, so the LRU evicts.
      for (let i = 0; i < stations.length; i += 4) {
        await Promise.all(stations.slice(i, i + 4).map((to) => s.gql(COMMUTES, { to })));
      }
      for (let i = 0; i < 150; i += 4) {
        await Promise.all(
          [0, 1, 2, 3].map((j) =>
            s.gql(RECOMMEND, {
              input: { persona: 'PARENT', locationType: 'RENT', budget: 1000 + i + j, limit: 33, commuteTo: stations[i + j] },
            }),
          ),
        );
      }
      const filled = liveHeap();
      const grown = (filled - before) / MB;
      const text = await (await fetch(`${s.url}/metrics`)).text();
      const held = Number(/^veo_cache_memory_bytes (\S+)/m.exec(text)![1]) / MB;
      s.app.cache.memory.clear();
      const freed = (filled - liveHeap()) / MB;
      // Filled to its bound by its own estimate...
      expect(held).toBeLessThanOrEqual(bound);
      expect(held).toBeGreaterThan(bound * 0.9);
      // ...which is within 30% of what dropping the entries gives back (measured: 0.95 to 1.05 of it)...
      expect(freed).toBeLessThan(held * 1.3);
      expect(freed).toBeGreaterThan(held * 0.7);
      // ...so the heap grew by about the bound, where counting JSON length let it grow 2.4 times that. (1.33-1.40
      // times it was measured with a CI run and other servers sharing the 2 cores: the run's own allocations.)
      expect(grown).toBeLessThan(bound * 1.6);
    } finally {
      await s.close();
    }
  });

  it('keeps what the client sends as documents within their bounds: 200 unparsable 95 KB bodies hold 2 MB', async () => {
    const s = await startServer();
    try {
      await s.gql(`{ a # warm-up\n`);
      const before = liveHeap();
      for (let i = 0; i < 200; i += 8) {
        await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((j) => s.gql(`{ a${i + j} # ${'x'.repeat(95_000)}\n`)));
      }
      // Yoga's own cache kept every one (19 MB here, 98 MB at its 1,024).
      expect((liveHeap() - before) / MB).toBeLessThan(2 + 1);
    } finally {
      await s.close();
    }
  });
});
