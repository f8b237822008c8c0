import type { Cache } from '../cache/cache.ts';
import type { Job } from '../modal/contract.ts';
import type { Engine } from '../modal/engine.ts';
import type { Log } from '../observability/logger.ts';
import { rememberJobs } from './keys.ts';

type Listener = (job: Job | null) => void;

/**
 * Follows running explanation jobs for the whole process: ONE status call per tick for every job that any
 * request (@defer) or subscription is waiting on, stopping when nobody waits.
 */
export class ExplanationWatcher {
  private readonly listeners = new Map<string, Set<Listener>>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly engine: Engine,
    private readonly cache: Cache,
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {}

  /** Calls `listener` with each status seen for `id` until the returned function is called. */
  watch(id: string, listener: Listener): () => void {
    const set = this.listeners.get(id) ?? new Set();
    set.add(listener);
    this.listeners.set(id, set);
    this.schedule();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** The job once it is READY or FAILED, or the last status seen when `timeoutMs` runs out. */
  waitFor(id: string, timeoutMs: number, latest: Job): Promise<Job> {
    return new Promise((resolve) => {
      let last = latest;
      const finish = () => {
        clearTimeout(timer);
        unwatch();
        resolve(last);
      };
      const timer = setTimeout(finish, timeoutMs);
      const unwatch = this.watch(id, (job) => {
        if (!job) return finish();
        last = job;
        if (job.status !== 'PENDING') finish();
      });
    });
  }

  /** Each status change of a job, ending with READY or FAILED (or null for an id no engine can read). */
  async *updates(id: string, first: Job | null): AsyncGenerator<Job | null> {
    yield first;
    if (!first || first.status !== 'PENDING') return;
    const queue: (Job | null)[] = [];
    let wake: (() => void) | undefined;
    const unwatch = this.watch(id, (job) => {
      queue.push(job);
      wake?.();
    });
    try {
      let previous: string = first.status;
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const job = queue.shift()!;
        if (job?.status === previous) continue;
        previous = job?.status ?? 'GONE';
        yield job;
        if (!job || job.status !== 'PENDING') return;
      }
    } finally {
      unwatch();
    }
  }

  private schedule() {
    if (this.timer || this.polling || this.listeners.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
  }

  private async tick() {
    this.timer = undefined;
    this.polling = true;
    const ids = [...this.listeners.keys()];
    try {
      const { jobs } = await this.engine.explanationStatus(ids);
      await rememberJobs(this.cache, jobs);
      ids.forEach((id, i) => {
        for (const listener of this.listeners.get(id) ?? []) listener(jobs[i] ?? null);
      });
    } catch (error) {
      // The engine is away: keep waiting; the waits are bounded by their own timeouts.
      this.log('explanations.poll.failed', { message: (error as Error).message, jobs: ids.length });
    } finally {
      this.polling = false;
      this.schedule();
    }
  }
}
