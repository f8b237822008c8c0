import { randomUUID } from 'node:crypto';
import { Redis as IORedis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashLocal, type UpstashLocal } from '../src/cache/upstash-local.ts';
import { LocalEngineProcess } from '../src/modal/local-engine.ts';
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
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-but-long-enough' }, { authorization: ADMIN_TOKEN }];
    for (const headers of attempts) {
      const { body } = await s.gql(`mutation { invalidateCache(kind: AREA) { version } }`, {}, headers);
      expect(body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
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
    const s = await server(prefix());
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
