import type { Redis } from '@upstash/redis';
import { upstashClient } from '../lib/upstash-client.ts';
import type { CacheStore, Entry } from './store.ts';

export interface RedisStoreOptions {
  url: string;
  token: string;
  /** Per round trip; past it the call fails and the cache is bypassed. */
  timeoutMs: number;
  prefix: string;
}

/** The shared tier: Upstash Redis over its REST protocol. Each method is one HTTP round trip. */
export class RedisStore implements CacheStore {
  private readonly redis: Redis;
  private readonly versionsKey: string;

  constructor(options: RedisStoreOptions) {
    this.versionsKey = `${options.prefix}:versions`;
    this.redis = upstashClient(options.url, options.token, options.timeoutMs);
  }

  async mget(keys: readonly string[]) {
    if (keys.length === 0) return [];
    const values = await this.redis.mget<(Entry | null)[]>(...keys);
    return values.map((v) => (v && typeof v === 'object' && 'f' in v ? v : null));
  }

  async mset(entries: readonly { key: string; entry: Entry; ttlSeconds: number }[]) {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { key, entry, ttlSeconds } of entries) pipeline.set(key, entry, { ex: Math.max(1, Math.round(ttlSeconds)) });
    await pipeline.exec();
  }

  async del(keys: readonly string[]) {
    if (keys.length > 0) await this.redis.del(...keys);
  }

  async versions() {
    const all = (await this.redis.hgetall<Record<string, number>>(this.versionsKey)) ?? {};
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }

  async bumpVersion(kind: string) {
    // Versions start at 1; HINCRBY on a missing field starts from 0, so the first bump makes it 2.
    const pipeline = this.redis.pipeline();
    pipeline.hsetnx(this.versionsKey, kind, 1);
    pipeline.hincrby(this.versionsKey, kind, 1);
    const [, version] = await pipeline.exec<[number, number]>();
    return version;
  }

  async ping() {
    return this.redis.ping();
  }
}
