import DataLoader from 'dataloader';
import { NOT_FRESH } from '../cache/cache.ts';
import { recording } from '../lib/spans.ts';
import { type CachedKind, cachedBatch, type LoaderScope } from './batch.ts';

/**
 * A cached kind's loader for one request. A key whose fresh copy is in memory (a warm server's usual case)
 * is answered at once, as a value rather than a promise: the resolver returns it and graphql-jit goes on in
 * the same tick, where a DataLoader round costs a scheduled batch, a chain of promises and arrays per kind.
 * Any other key goes to a DataLoader (made on first use), which batches and deduplicates it with the
 * request's other misses. A key is looked up once per request either way: one answered here is answered
 * again from `read`, and one sent to the DataLoader is always asked of it (its cache holds it), so the
 * request's cache hits and misses count each key once. Warming (`refresh`) and a traced request (each lookup
 * a span) always take the DataLoader. A request makes one object per kind; the rest is made on use.
 */
export class FreshFirst<K, V, C = K> {
  private read: Map<string, V> | undefined;
  private sent: Set<string> | undefined;
  private dataLoader: DataLoader<K, V, C> | undefined;

  constructor(
    private readonly spec: CachedKind<K, V, C>,
    private readonly scope: LoaderScope,
  ) {}

  load(key: K): V | Promise<V> {
    const id = this.spec.idOf(key);
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
    const id = this.spec.idOf(key);
    if (this.sent?.has(id)) this.loader.prime(key, value);
    else if (!this.read?.has(id)) this.remember(id, value);
    return this;
  }

  private peek(id: string): V | typeof NOT_FRESH {
    const { cache, stats, refresh } = this.scope;
    return refresh || recording() ? NOT_FRESH : cache.peek<V>(this.spec.kind, id, stats);
  }

  private remember(id: string, value: V): void {
    if (!this.read) this.read = new Map();
    this.read.set(id, value);
  }

  private get loader(): DataLoader<K, V, C> {
    if (!this.dataLoader) {
      const { cacheKeyFn } = this.spec;
      this.dataLoader = new DataLoader<K, V, C>(cachedBatch(this.spec, this.scope), cacheKeyFn ? { cacheKeyFn } : {});
    }
    return this.dataLoader;
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
