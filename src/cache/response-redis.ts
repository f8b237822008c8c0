import type { Redis } from '@upstash/redis';
import { upstashClient } from '../lib/upstash-client.ts';
import type { CachedAnswer } from './response-memory.ts';

export interface RedisAnswersOptions {
  url: string;
  token: string;
  /** Per round trip; past it the call fails (and the caller bypasses Redis for a while). */
  timeoutMs: number;
  prefix: string;
}

/**
 * Stores an answer unless one of its tags was invalidated a moment ago (a tombstone is set), and adds its key
 * to the set of each tag, each set kept at least as long as the answer. KEYS: the answer, then the n tag sets,
 * then the n tombstones; ARGV: the answer's JSON, its TTL in seconds, n. Answers 1 when stored.
 */
const STORE_SCRIPT = `
local n = tonumber(ARGV[3])
local ttl = tonumber(ARGV[2])
for i = 1, n do
  if redis.call('EXISTS', KEYS[1 + n + i]) == 1 then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
for i = 1, n do
  local tag = KEYS[1 + i]
  redis.call('SADD', tag, KEYS[1])
  if redis.call('TTL', tag) < ttl then redis.call('EXPIRE', tag, ttl) end
end
return 1
`;

/** An answer as Redis holds it, with its tags, so that an instance that reads it can drop its copy by them. */
interface Stored {
  d: unknown;
  x: number;
  t: string[];
}

/**
 * The shared tier of the response cache, in Upstash Redis: `<prefix>:answer:<key>` holds an answer as JSON
 * for its TTL; `<prefix>:answer-data-version` the engine's data version last heard of; `<prefix>:answer-tag:<tag>` the keys of the answers that carry a tag; `<prefix>:answer-dropped:<tag>`
 * is a tombstone set for a few seconds by an invalidation, during which an answer carrying that tag is not
 * stored: another instance may still be building one from data its memory tier held before the invalidation.
 */
export class RedisAnswers {
  private readonly redis: Redis;
  private readonly store: ReturnType<Redis['createScript']>;

  constructor(private readonly options: RedisAnswersOptions) {
    this.redis = upstashClient(options.url, options.token, options.timeoutMs);
    this.store = this.redis.createScript(STORE_SCRIPT);
  }

  private versionKey = () => `${this.options.prefix}:answer-data-version`;
  private answerKey = (key: string) => `${this.options.prefix}:answer:${key}`;
  private tagKey = (tag: string) => `${this.options.prefix}:answer-tag:${tag}`;
  private tombstoneKey = (tag: string) => `${this.options.prefix}:answer-dropped:${tag}`;

  /** The engine's data version as the instance that heard it last wrote it; null when none has yet. */
  async dataVersion(): Promise<string | null> {
    const version = await this.redis.get<unknown>(this.versionKey());
    return version == null ? null : String(version);
  }

  async setDataVersion(version: string): Promise<void> {
    await this.redis.set(this.versionKey(), version);
  }

  async get(key: string): Promise<{ answer: CachedAnswer; tags: string[] } | null> {
    const stored = await this.redis.get<Stored>(this.answerKey(key));
    if (!stored || typeof stored !== 'object' || typeof stored.x !== 'number' || !Array.isArray(stored.t)) return null;
    return { answer: { data: stored.d, expiresAt: stored.x }, tags: stored.t };
  }

  /**
   * Whether the answer (its data already as JSON) was stored: not when one of its tags was invalidated within
   * the tombstones' life.
   */
  async set(key: string, json: string, expiresAt: number, tags: readonly string[], ttlSeconds: number): Promise<boolean> {
    const keys = [this.answerKey(key), ...tags.map(this.tagKey), ...tags.map(this.tombstoneKey)];
    const value = `{"d":${json},"x":${expiresAt},"t":${JSON.stringify(tags)}}`;
    const stored = await this.store.exec(keys, [value, String(Math.max(1, Math.ceil(ttlSeconds))), String(tags.length)]);
    return Number(stored) === 1;
  }

  /** Whether one of `tags` was invalidated within the tombstones' life: an answer carrying it may not be kept anywhere. */
  async dropped(tags: readonly string[]): Promise<boolean> {
    if (tags.length === 0) return false;
    return (await this.redis.exists(...tags.map(this.tombstoneKey))) > 0;
  }

  /**
   * Drops every answer that carries one of `tags`, in two round trips: the tombstones go up and the sets are
   * read in one transaction, so an answer is either in a set read here (and deleted) or stored after the
   * tombstone (and refused); then the answers and the sets are deleted.
   */
  async invalidate(tags: readonly string[], tombstoneSeconds: number): Promise<void> {
    if (tags.length === 0) return;
    const read = this.redis.multi();
    for (const tag of tags) read.set(this.tombstoneKey(tag), 1, { ex: Math.max(1, Math.ceil(tombstoneSeconds)) });
    for (const tag of tags) read.smembers(this.tagKey(tag));
    const replies = (await read.exec()) as unknown[];
    const answers = replies.slice(tags.length).flatMap((members) => (Array.isArray(members) ? members.map(String) : []));
    await this.redis.del(...new Set(answers), ...tags.map(this.tagKey));
  }
}
