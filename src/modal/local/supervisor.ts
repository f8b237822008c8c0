import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Log } from '../../lib/log.ts';
import { projectPath } from '../../lib/project-root.ts';

const SERVE_SCRIPT = projectPath('python', 'serve.py');
const LISTENING = /veo-engine listening on (http:\/\/\S+)/;

export interface LocalEngineOptions {
  python: string;
  /** Milliseconds to wait for the engine's first "listening" line and /health. */
  startTimeoutMs?: number;
  log?: Log;
  env?: Record<string, string>;
  /** Called each time the process died and a restart is on its way (the metrics count them). */
  onRestart?: () => void;
}

/**
 * Runs python/serve.py as ONE long-lived child process (never a process per request): starts it, waits for
 * its health, restarts it with backoff when it dies (on a new port: `url()` gives the current one), and
 * stops it on shutdown.
 */
export class LocalEngineProcess {
  private child?: ChildProcess;
  private ready?: Promise<string>;
  private stopping = false;
  private restarts = 0;

  constructor(private readonly options: LocalEngineOptions) {}

  /** The base URL of a healthy engine, starting (or waiting for a restart of) the process as needed. */
  url(): Promise<string> {
    if (this.stopping) return Promise.reject(new Error('the local engine is stopping'));
    this.ready ??= this.launch();
    return this.ready;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }

  private launch(): Promise<string> {
    const timeoutMs = this.options.startTimeoutMs ?? 20_000;
    // The engine holds the read end of our stdin pipe: if this process dies, even by SIGKILL, it stops too.
    const child = spawn(this.options.python, [SERVE_SCRIPT, '--host', '127.0.0.1', '--port', '0', '--exit-with-stdin'], {
      stdio: ['pipe', 'pipe', 'inherit'],
      // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and the engine must
      // keep serving while the server drains; it stops when told, or when our stdin pipe closes.
      detached: true,
      env: { ...process.env, ...this.options.env },
    });
    this.child = child;
    const started = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the local engine did not start within ${timeoutMs} ms`)), timeoutMs);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = LISTENING.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the local engine exited (code ${code}, signal ${signal})`));
      });
    }).then((url) => waitForHealth(url, timeoutMs).then(() => url));

    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    started.then(
      (url) => {
        this.restarts = 0;
        this.options.log?.('engine.local.started', { pid: child.pid, url });
      },
      () => {},
    );
    return started;
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    // Back off so a crash loop does not spin; the next url() call waits for the restarted process.
    const delay = Math.min(200 * 2 ** this.restarts, 5_000);
    this.restarts += 1;
    this.options.log?.('engine.local.exited', { pid: child.pid, code, signal, restartInMs: delay });
    this.options.onRestart?.();
    this.ready = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() =>
      this.stopping ? Promise.reject(new Error('the local engine is stopping')) : this.launch(),
    );
    this.ready.catch(() => {});
  }
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the local engine at ${url} did not become healthy`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
