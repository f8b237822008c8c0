import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';

/** One series' increments not yet added to its counter: `cell.n++` is the whole cost of counting. */
export interface CountCell {
  n: number;
}

/**
 * A prom-client Counter whose hot-path increments go to plain numbers (`cell(labels).n++`), added to the
 * counter when it is read (a scrape, or a test's `get()`). prom-client hashes a series' labels on every
 * `inc`, even through `labels()`: an operation's 15 field-usage increments cost 8 µs, as much as the rest of
 * a cached answer's bookkeeping. One cell per series, so there are no more cells than series (the label
 * values are bounded where they come from). `inc` works as on any counter.
 */
export function cellCounter<T extends string>(config: CounterConfiguration<T>): Counter<T> & { cell(labels?: LabelValues<T>): CountCell } {
  const cells = new Map<string, { labels: LabelValues<T>; cell: CountCell }>();
  const counter = new Counter<T>({
    ...config,
    collect() {
      for (const { labels, cell } of cells.values()) {
        if (cell.n === 0) continue;
        this.inc(labels, cell.n);
        cell.n = 0;
      }
    },
  });
  return Object.assign(counter, {
    cell(labels = {} as LabelValues<T>): CountCell {
      const key = JSON.stringify(labels);
      let entry = cells.get(key);
      if (!entry) {
        entry = { labels, cell: { n: 0 } };
        cells.set(key, entry);
      }
      return entry.cell;
    },
  });
}
