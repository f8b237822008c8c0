import type { Log } from '../lib/log.ts';

export type { Log };

/** JSON lines on stdout: one object per event, easy to ship anywhere. */
export function createLogger(write: (line: string) => void = stdoutLine): Log {
  // The line is written as JSON.stringify({ time, event, ...fields }) would write it, without copying the fields.
  return (event, fields = {}) => {
    const rest = JSON.stringify(fields);
    write(`{"time":"${isoNow()}","event":${JSON.stringify(event)}${rest.length > 2 ? `,${rest.slice(1)}` : '}'}`);
  };
}

let isoMs = 0;
let iso = '';
/** The time as an ISO string, made once per millisecond: a busy server logs several lines in one. */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
}

/** Past this the queued lines are written at once, so a busy turn of the event loop never holds more. */
const MAX_QUEUED_CHARS = 64 * 1024;
let queued = '';

/** Writes what the logger queued: stdout to a file or a pipe is synchronous on Linux, so this also works at exit. */
function flushQueued(): void {
  if (!queued) return;
  const text = queued;
  queued = '';
  process.stdout.write(text);
}

/**
 * The lines of one turn of the event loop go to stdout in one write: under load that is one system call per
 * turn instead of one per request (the log line was a tenth of a cached answer's cost). Queued lines are
 * written at process exit too, a crash included; only a SIGKILL loses them, at most one turn's worth.
 */
function stdoutLine(line: string): void {
  if (!queued) {
    if (!listening) {
      listening = true;
      process.on('exit', flushQueued);
    }
    setImmediate(flushQueued);
  }
  queued += `${line}\n`;
  if (queued.length > MAX_QUEUED_CHARS) flushQueued();
}
let listening = false;

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
