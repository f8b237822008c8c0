import type { Log } from '../lib/log.ts';

export type { Log };

/** JSON lines on stdout: one object per event, easy to ship anywhere. */
export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Log {
  return (event, fields = {}) => write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}

/** A second destination for log lines (Axiom): takes entries one by one, sends them in batches. */
export interface LogSink {
  send(entry: Record<string, unknown>): void;
  /** Sends what is queued; never rejects. */
  flush(): Promise<void>;
}

/**
 * Every event to `log` (stdout) and to `sink` too. Stdout stays: it is what the platform keeps when the
 * sink is unreachable, and costs nothing.
 */
export function shipTo(log: Log, sink: LogSink): Log {
  return (event, fields = {}) => {
    log(event, fields);
    sink.send({ _time: new Date().toISOString(), event, ...fields });
  };
}
