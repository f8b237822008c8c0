import type DataLoader from 'dataloader';

/**
 * A DataLoader made on its first use. A request builds only the loaders its operation reads (a single area
 * reads four of eleven), and each DataLoader, with its cache map and batch closures, was most of what a
 * request's loaders put on the heap: garbage for every request of a busy server.
 */
export class LazyLoader<K, V, C = K> {
  private loader: DataLoader<K, V, C> | undefined;

  constructor(private readonly make: () => DataLoader<K, V, C>) {}

  load(key: K): Promise<V> {
    this.loader ??= this.make();
    return this.loader.load(key);
  }

  loadMany(keys: ArrayLike<K>): Promise<(V | Error)[]> {
    this.loader ??= this.make();
    return this.loader.loadMany(keys);
  }

  prime(key: K, value: V | PromiseLike<V> | Error): this {
    this.loader ??= this.make();
    this.loader.prime(key, value);
    return this;
  }
}
