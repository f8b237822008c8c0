export type Log = (event: string, fields?: Record<string, unknown>) => void;

/** JSON lines on stdout: one object per event, easy to ship anywhere. */
export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Log {
  return (event, fields = {}) => write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}
