// Child processes of the benchmark: spawned in their own process group so that the whole tree (a server and
// the Python engine it starts) can be stopped together, and always stopped when the benchmark exits, however
// it exits (normal end, failure, Ctrl-C).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const running = new Set<ChildProcess>();

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** SIGTERM to the process itself (lets it shut down gracefully), then SIGKILL to its group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Where its stdout and stderr go: a file path, or 'pipe' to read stdout (stderr then goes to `stderrFile`). */
  stdoutFile?: string;
  stderrFile?: string;
  pipeStdout?: boolean;
}

export function spawnTracked(command: string, args: string[], options: SpawnOptions): Spawned {
  const out = options.pipeStdout ? 'pipe' : openSync(options.stdoutFile ?? '/dev/null', 'a');
  const err = openSync(options.stderrFile ?? '/dev/null', 'a');
  // detached: a process group of its own, so stop() reaches grandchildren (the server's Python engine), and
  // a Ctrl-C in the terminal reaches only the benchmark, which then stops everything in order.
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', out, err], detached: true });
  if (typeof out === 'number') closeSync(out);
  closeSync(err);
  if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}`);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const pid = child.pid;
  return {
    child,
    pid,
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        signal(pid, 'SIGTERM');
        const timer = setTimeout(() => signal(-pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Whatever it left behind in its group (an engine that outlived its parent).
      signal(-pid, 'SIGKILL');
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Kills every process group still running; synchronous, so it also works from process.on('exit'). */
export function killAll(): void {
  for (const child of running) if (child.pid) signal(-child.pid, 'SIGKILL');
  running.clear();
}

let installed = false;
/** Stops every child however the benchmark ends; `onSignal` runs first (e.g. a graceful cleanup). */
export function installCleanup(onSignal: () => Promise<void>): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping the servers\n`);
      const force = setTimeout(() => process.exit(130), 8_000);
      force.unref();
      void onSignal().finally(() => process.exit(130));
    });
  }
}

/** A TCP port free right now on 127.0.0.1 (the OS picks it; a tiny race until the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200, failing after `timeoutMs` or as soon as `alive()` turns false. */
export async function waitFor200(url: string, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the process exited before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** Resident set size in kB from /proc/<pid>/status (VmRSS); NaN when the process is gone. */
export function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Direct children of `pid`, found by scanning /proc/<n>/stat for their parent id. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may hold spaces: read the fields after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return children;
}
