import type { Cache } from '../cache/cache.ts';
import type { Job } from '../modal/contract.ts';
import type { Engine } from '../modal/engine.ts';
import type { Log } from '../observability/logger.ts';
import { MAX_IDS_PER_CALL, rememberJobs } from './keys.ts';

type Listener = (job: Job | null) => void;

/** `rebuild`: the job's start was charged (a submit, or an id this server signed), so the engine may start it again if it lost it. */
export interface WatchOptions {
  rebuild?: boolean;
}

/**
 * Follows running explanation jobs, by engine id, for the whole process: ONE status call per tick for every
 * job that any request (@defer) or subscription is waiting on (two when some may be rebuilt and some may
 * not), stopping when nobody waits.
 */
export class ExplanationWatcher {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Watched ids whose start was charged, with how many watchers say so: the engine may rebuild these. */
  private readonly rebuildable = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly engine: Engine,
    private readonly cache: Cache,
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {}

  /** Calls `listener` with each status seen for `id` until the returned function is called. */
  watch(id: string, listener: Listener, options: WatchOptions = {}): () => void {
    const set = this.listeners.get(id) ?? new Set();
    set.add(listener);
    this.listeners.set(id, set);
    if (options.rebuild) this.rebuildable.set(id, (this.rebuildable.get(id) ?? 0) + 1);
    this.schedule();
    let watching = true;
    return () => {
      if (!watching) return;
      watching = false;
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
      if (options.rebuild) {
        const left = this.rebuildable.get(id)! - 1;
        if (left > 0) this.rebuildable.set(id, left);
        else this.rebuildable.delete(id);
      }
    };
  }

  /** The job once it is READY or FAILED, or the last status seen when `timeoutMs` runs out. */
  waitFor(id: string, timeoutMs: number, latest: Job, options: WatchOptions = {}): Promise<Job> {
    return new Promise((resolve) => {
      let last = latest;
      const finish = () => {
        clearTimeout(timer);
        unwatch();
        resolve(last);
      };
      const timer = setTimeout(finish, timeoutMs);
      const unwatch = this.watch(
        id,
        (job) => {
          if (!job) return finish();
          last = job;
          if (job.status !== 'PENDING') finish();
        },
        options,
      );
    });
  }

  /** Each status change of a job, ending with READY or FAILED (or null for an id no engine can read). */
  async *updates(id: string, first: Job | null, options: WatchOptions = {}): AsyncGenerator<Job | null> {
    yield first;
    if (first?.status !== 'PENDING') return;
    const queue: (Job | null)[] = [];
    let wake: (() => void) | undefined;
    const unwatch = this.watch(
      id,
      (job) => {
        queue.push(job);
        wake?.();
      },
      options,
    );
    try {
      let previous: string = first.status;
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const job = queue.shift()!;
        if (job?.status === previous) continue;
        previous = job?.status ?? 'GONE';
        yield job;
        if (job?.status !== 'PENDING') return;
      }
    } finally {
      unwatch();
    }
  }

  /** The jobs for `ids`, in calls of at most what the engine takes at once. */
  private async status(ids: string[], rebuild: boolean): Promise<(Job | null)[]> {
    const calls = [];
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
      calls.push(this.engine.explanationStatus(ids.slice(i, i + MAX_IDS_PER_CALL), { rebuild }));
    }
    return (await Promise.all(calls)).flatMap((answer) => answer.jobs);
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
      const rebuildIds = ids.filter((id) => this.rebuildable.has(id));
      const readIds = ids.filter((id) => !this.rebuildable.has(id));
      const [rebuilt, read] = await Promise.all([this.status(rebuildIds, true), this.status(readIds, false)]);
      const jobs = new Map<string, Job | null>();
      for (const [i, id] of rebuildIds.entries()) jobs.set(id, rebuilt[i] ?? null);
      for (const [i, id] of readIds.entries()) jobs.set(id, read[i] ?? null);
      await rememberJobs(this.cache, [...jobs.values()]);
      for (const [id, job] of jobs) {
        for (const listener of this.listeners.get(id) ?? []) listener(job);
      }
    } catch (error) {
      // The engine is away: keep waiting; the waits are bounded by their own timeouts.
      this.log('explanations.poll.failed', { message: (error as Error).message, jobs: ids.length });
    } finally {
      this.polling = false;
      this.schedule();
    }
  }
}
