import type DataLoader from 'dataloader';
import { NOT_FRESH } from '../cache/cache.ts';

/**
 * A cached kind's loader for one request. A key whose fresh copy is in memory (a warm server's usual case)
 * is answered at once, as a value rather than a promise: the resolver returns it and graphql-jit goes on in
 * the same tick, where a DataLoader round costs a scheduled batch, a chain of promises and arrays per kind.
 * Any other key goes to a DataLoader, which batches and deduplicates it with the request's
 * other misses. A key is looked up once per request either way: one answered here is answered again from
 * `read`, and one sent to the DataLoader is always asked of it (its cache holds it), so the request's cache
 * hits and misses count each key once, as before.
 */
export class FreshFirst<K, V, C = K> {
  private read: Map<string, V> | undefined;
  private sent: Set<string> | undefined;
  /** Made on the first key it is asked for (lazy-loader.ts says why). */
  private dataLoader: DataLoader<K, V, C> | undefined;

  constructor(
    /** The key's id in the cache. */
    private readonly idOf: (key: K) => string,
    /** The id's fresh copy in memory (with the cache's bookkeeping of a hit), or NOT_FRESH. */
    private readonly peek: (id: string) => V | typeof NOT_FRESH,
    private readonly make: () => DataLoader<K, V, C>,
  ) {}

  private get loader(): DataLoader<K, V, C> {
    if (!this.dataLoader) this.dataLoader = this.make();
    return this.dataLoader;
  }

  load(key: K): V | Promise<V> {
    const id = this.idOf(key);
    if (this.read?.has(id)) return this.read.get(id) as V;
    if (!this.sent?.has(id)) {
      const value = this.peek(id);
      if (value !== NOT_FRESH) {
        this.remember(id, value);
        return value;
      }
      if (!this.sent) this.sent = new Set();
      this.sent.add(id);
    }
    return this.loader.load(key);
  }

  /** Each key's value, or the Error its load failed with, in order; the misses still go out in one batch. */
  loadMany(keys: readonly K[]): Promise<(V | Error)[]> {
    return Promise.all(keys.map((key) => settled(() => this.load(key))));
  }

  /** Gives `key` this value for the rest of the request, unless it was already looked up. */
  prime(key: K, value: V): this {
    const id = this.idOf(key);
    if (this.sent?.has(id)) this.loader.prime(key, value);
    else if (!this.read?.has(id)) this.remember(id, value);
    return this;
  }

  /** Made on first use: a request builds every kind's loader and reads few of them. */
  private remember(id: string, value: V): void {
    if (!this.read) this.read = new Map();
    this.read.set(id, value);
  }
}

/** The load's value, or its failure as an Error (as DataLoader's loadMany gives it). */
export async function settled<V>(load: () => V | Promise<V>): Promise<V | Error> {
  try {
    return await load();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
