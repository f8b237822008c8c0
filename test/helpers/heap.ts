import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Heap in use in this process once everything unreachable is gone (two full collections). */
export function liveHeap(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return v8.getHeapStatistics().used_heap_size;
}
