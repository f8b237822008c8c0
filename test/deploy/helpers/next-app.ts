import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The Vercel app, whose own npm scripts build and start it, as a team runs them. */
const APP = fileURLToPath(new URL('../../../deploy/vercel/', import.meta.url));

/** What the child processes get of this one's environment: no vitest NODE_ENV, no settings of the server's. */
function baseEnv(): Record<string, string> {
  const { PATH = '', HOME = '', CI } = process.env;
  // No telemetry: the machine reaches no host but the package registries.
  return { PATH, HOME, NEXT_TELEMETRY_DISABLED: '1', ...(CI ? { CI } : {}) };
}

/** Runs `command` to its end; rejects with what it printed when it fails. */
function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

/**
 * `npm run build` in deploy/vercel, as Vercel runs it (the package's serverless bundle, then `next build`
 * with its type check), from nothing: the previous build and Next's cache are removed first, as CI has
 * neither. Resolves with the seconds it took.
 */
export async function buildApp(): Promise<number> {
  rmSync(`${APP}.next`, { recursive: true, force: true });
  const started = performance.now();
  await run('npm', ['run', '-s', 'build'], APP);
  return Math.round((performance.now() - started) / 100) / 10;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npm start` (`next start`) on a free port of 127.0.0.1 with `env`, once it answers. */
export async function startApp(env: Record<string, string>) {
  const port = await freePort();
  // A process group of its own (npm, then next), so that closing it ends both.
  const child: ChildProcess = spawn('npm', ['start', '-s', '--', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`next start did not answer within 30 s:\n${output}`);
    try {
      await fetch(`${url}/nothing-here`);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGTERM');
      }),
  };
}
