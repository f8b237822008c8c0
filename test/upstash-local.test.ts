import { createHash, randomBytes } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashLocal, stripUnknownShebangFlags, type UpstashLocal } from '../scripts/upstash-local.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** One PING with no retries: answers quickly whether a Redis is there at all. */
async function redisReachable(url: string): Promise<boolean> {
  const probe = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

// Without Redis the suite skips on a laptop, but in CI a missing Redis is a broken pipeline: it must fail.
const inCI = Boolean(process.env.CI);
const redisUp = await redisReachable(REDIS_URL);
if (!redisUp && !inCI) console.warn('upstash-local tests skipped: no Redis at REDIS_URL (or 127.0.0.1:6379)');

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe.skipIf(!redisUp && !inCI)('upstash-local endpoint', () => {
  const P = `test:upstash-local:${randomBytes(6).toString('hex')}:`; // unique per run, removed in afterAll
  let server: UpstashLocal;
  let raw: IORedis; // straight to Redis, to check what really landed there
  let client: Redis; // auto-pipelining (the default): commands arrive at /pipeline
  let direct: Redis; // one command per request: POST /

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    if (!redisUp) throw new Error('Redis is not reachable at REDIS_URL (default 127.0.0.1:6379); CI needs one');
    server = await startUpstashLocal({ redisUrl: REDIS_URL });
    raw = new IORedis(REDIS_URL);
    client = new Redis({ url: server.url, token: server.token, enableTelemetry: false, retry: false });
    direct = new Redis({
      url: server.url,
      token: server.token,
      enableTelemetry: false,
      retry: false,
      enableAutoPipelining: false,
    });
  });

  afterAll(async () => {
    if (raw) {
      const keys = await raw.keys(`${P}*`); // a handful of keys under a random prefix
      if (keys.length) await raw.del(...keys);
      await raw.quit();
    }
    await server?.close();
  });

  it('sets with EX and reads the value and TTL back', async () => {
    expect(await direct.set(`${P}ex`, 'hello', { ex: 30 })).toBe('OK');
    expect(await client.get(`${P}ex`)).toBe('hello');
    const ttl = await client.ttl(`${P}ex`);
    expect(ttl).toBeGreaterThan(25);
    expect(ttl).toBeLessThanOrEqual(30);
    expect(await client.get(`${P}missing`)).toBeNull();
  });

  it('mget returns values in order with null for missing keys', async () => {
    await client.mset({ [`${P}m1`]: 'alpha', [`${P}m2`]: 'beta' });
    expect(await client.mget(`${P}m1`, `${P}missing`, `${P}m2`)).toEqual(['alpha', null, 'beta']);
  });

  it('round-trips JSON values', async () => {
    const value = { id: 7, name: 'Camden', tags: ['zone 2', 'tube'], nested: { ok: true, none: null } };
    await client.set(`${P}json`, value);
    expect(await direct.get(`${P}json`)).toEqual(value);
  });

  it('hgetall keeps the flat reply the client expects', async () => {
    await client.hset(`${P}hash`, { a: 'x', b: 'y' });
    expect(await direct.hgetall(`${P}hash`)).toEqual({ a: 'x', b: 'y' });
  });

  it('runs an explicit pipeline', async () => {
    const results = await client.pipeline().set(`${P}p`, 'v').incr(`${P}pc`).incr(`${P}pc`).get(`${P}p`).exec();
    expect(results).toEqual(['OK', 1, 2, 'v']);
  });

  it('runs multi-exec as one transaction, reporting errors per command', async () => {
    const tx = await client
      .multi()
      .set(`${P}tx`, 'a')
      .incrby(`${P}txc`, 5)
      .hset(`${P}txh`, { f: 'v' })
      .hgetall(`${P}txh`)
      .get(`${P}tx`)
      .exec();
    expect(tx).toEqual(['OK', 5, 1, { f: 'v' }, 'a']);
    // An error while EXEC runs (INCR on text) fails that command only; Redis does not roll back.
    const mixed = await client.multi().set(`${P}tx`, 'text').incr(`${P}tx`).get(`${P}tx`).exec({ keepErrors: true });
    expect(mixed.map((r) => r.error)).toEqual([undefined, expect.stringMatching(/not an integer/), undefined]);
    expect(mixed[2]!.result).toBe('text');
    // A command that cannot be queued aborts the whole transaction: nothing is written.
    const aborted = await post('/multi-exec', [['set', `${P}never`, '1'], ['nosuchcommand']]);
    expect(aborted.status).toBe(400);
    expect((await aborted.json()).error).toMatch(/EXECABORT/);
    expect(await raw.exists(`${P}never`)).toBe(0);
  });

  it('incr and del', async () => {
    expect(await client.incr(`${P}n`)).toBe(1);
    expect(await direct.incr(`${P}n`)).toBe(2);
    await client.set(`${P}d`, 'x');
    expect(await client.del(`${P}n`, `${P}d`, `${P}missing`)).toBe(2);
    expect(await client.exists(`${P}n`, `${P}d`)).toBe(0);
  });

  it('rejects a wrong token with Unauthorized', async () => {
    const intruder = new Redis({ url: server.url, token: 'wrong', enableTelemetry: false, retry: false });
    await expect(intruder.get(`${P}ex`)).rejects.toThrow(/Unauthorized/);
    const res = await post('/', ['ping'], { authorization: 'Bearer wrong' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Unauthorized' });
  });

  it('round-trips unicode and control characters', async () => {
    const text = 'héllo wörld ✓ 😀 中文 "quoted" \\ \n\t\u0000 end';
    await client.set(`${P}u`, text);
    expect(await direct.get(`${P}u`)).toBe(text);
    expect(await raw.get(`${P}u`)).toBe(text);
  });

  it('base64-encodes the exact bytes, and sends plain text without the header', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41, 0xc3]); // not valid UTF-8
    await raw.set(`${P}bin`, bytes);
    const res = await post('/', ['get', `${P}bin`], { 'upstash-encoding': 'base64' });
    expect(await res.json()).toEqual({ result: bytes.toString('base64') });
    await raw.set(`${P}plain`, 'é');
    const pipeline = await post('/pipeline', [
      ['get', `${P}plain`],
      ['incr', `${P}pn`],
      ['get', `${P}missing`],
    ]);
    expect(await pipeline.json()).toEqual([{ result: 'é' }, { result: 1 }, { result: null }]);
  });

  it('surfaces Redis errors as thrown errors', async () => {
    await client.set(`${P}text`, 'not a number');
    await expect(client.incr(`${P}text`)).rejects.toThrow(/ERR value is not an integer/); // via /pipeline
    await expect(direct.incr(`${P}text`)).rejects.toThrow(/ERR value is not an integer/); // via /, HTTP 400
    await expect(direct.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('strips unknown shebang flags and maps the client sha1 to the loaded script', async () => {
    expect(stripUnknownShebangFlags('#!lua flags=allow-key-locking,no-writes\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
    expect(stripUnknownShebangFlags('#!lua flags=allow-key-locking\nreturn 1')).toBe('#!lua\nreturn 1');
    const script = `#!lua flags=allow-key-locking\nreturn {ARGV[1], '${P}'}`;
    await expect(client.evalsha(sha1(script), [], ['a'])).rejects.toThrow(/NOSCRIPT/);
    expect(await client.eval(script, [], ['a'])).toEqual(['a', P]);
    expect(await client.evalsha(sha1(script), [], ['b'])).toEqual(['b', P]); // hits the stripped script
    const loaded = `#!lua flags=allow-key-locking\nreturn '${P}loaded'`;
    expect(await direct.scriptLoad(loaded)).toBe(sha1(loaded));
    expect(await direct.scriptExists(sha1(loaded))).toEqual([1]);
    expect(await direct.evalsha(sha1(loaded), [], [])).toBe(`${P}loaded`);
  });

  // Window of an hour so the test never straddles a window boundary; timeout 0 so a slow call cannot pass as
  // "allowed by timeout"; no ephemeral cache so every decision comes from Redis.
  const limiter = (redis: Redis, name: string, algorithm: ReturnType<typeof Ratelimit.fixedWindow>) =>
    new Ratelimit({ redis, limiter: algorithm, prefix: `${P}rl:${name}`, ephemeralCache: false, timeout: 0 });

  it.each([
    ['slidingWindow', Ratelimit.slidingWindow(10, '1 h')],
    ['fixedWindow', Ratelimit.fixedWindow(10, '1 h')],
  ] as const)('@upstash/ratelimit %s charges `rate` units and denies when exhausted', async (name, algorithm) => {
    const rl = limiter(client, name, algorithm);
    const charge = async (rate: number) => {
      const { success, remaining, limit } = await rl.limit('user-1', { rate });
      return { success, remaining, limit };
    };
    expect(await charge(4)).toEqual({ success: true, remaining: 6, limit: 10 });
    expect(await charge(4)).toEqual({ success: true, remaining: 2, limit: 10 });
    expect(await charge(2)).toEqual({ success: true, remaining: 0, limit: 10 });
    expect((await charge(1)).success).toBe(false);
    expect((await rl.limit('user-2')).success).toBe(true); // other identifiers are unaffected
  });

  it('two clients share state', async () => {
    const other = new Redis({ url: server.url, token: server.token, enableTelemetry: false, retry: false });
    await client.set(`${P}shared`, { by: 'client' });
    expect(await other.get(`${P}shared`)).toEqual({ by: 'client' });
    const a = limiter(client, 'shared', Ratelimit.fixedWindow(3, '1 h'));
    const b = limiter(other, 'shared', Ratelimit.fixedWindow(3, '1 h'));
    expect((await a.limit('ip')).success).toBe(true);
    expect((await b.limit('ip')).success).toBe(true);
    expect((await b.limit('ip')).remaining).toBe(0);
    expect((await a.limit('ip')).success).toBe(false);
  });

  it('answers malformed requests with 4xx JSON errors', async () => {
    const badJson = await post('/', '{"not json');
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error).toMatch(/JSON/);
    expect((await post('/pipeline', [])).status).toBe(400);
    expect((await post('/', [{ an: 'object' }])).status).toBe(400);
    expect((await post('/', ['select', 1])).status).toBe(400); // would change the shared connection
    expect((await post('/nope', ['ping'])).status).toBe(404);

    const small = await startUpstashLocal({ redisUrl: REDIS_URL, maxBodyBytes: 1024 });
    try {
      const res = await fetch(small.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${small.token}` },
        body: JSON.stringify(['set', `${P}big`, 'x'.repeat(4096)]),
      });
      expect(res.status).toBe(413);
      expect(await raw.exists(`${P}big`)).toBe(0);
    } finally {
      await small.close();
    }
  });
});
