// Starting the servers under test as separate processes, each with its own process tree.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startFlags } from '../../scripts/start-flags.ts';
import { childPids, freePort, type Spawned, spawnTracked, waitFor200 } from './processes.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The benchmark's API key, new each run. */
export const API_KEY = `bench${randomBytes(12).toString('hex')}`;
/**
 * A tier of its own whose budgets one load generator cannot spend: the load run spends the built-in `internal`
 * tier's 1,000,000 points a minute in well under a minute (the report says how fast), and 429s would then be
 * measured instead of the server's work. The limiter still prices and charges every request.
 */
export const API_KEY_TIER = { name: 'benchmark', perMinute: 1_000_000_000, perDay: 1_000_000_000_000, explanationsPerHour: 1_000_000 };

const logFiles = new Set<string>();
/** Deletes the servers' output files (kept when the benchmark fails, for reading). */
export function removeLogs(): void {
  for (const file of logFiles) rmSync(file, { force: true });
  logFiles.clear();
}

export interface ServerHandle {
  name: string;
  url: string;
  pid: number;
  /** Where its stdout (the JSON log lines) and stderr go. */
  logFile: string;
  process: Spawned;
  stop(): Promise<void>;
}

/**
 * The environment of the full server: production, in-process cache and limits, the embedded engine, every
 * optional outside service off, whatever the shell or a .env file says (server.ts loads .env, but never over
 * a variable that is set, and an empty value counts as unset).
 */
/** /metrics in production answers only with this bearer token. */
const BENCH_METRICS_TOKEN = 'bench-metrics-token-000000001';

function fullServerEnv(port: number, responseCache: 'on' | 'off', hitPath: 'on' | 'off'): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    ...(process.env.PYTHON ? { PYTHON: process.env.PYTHON } : {}),
    NODE_ENV: 'production',
    HOST: '127.0.0.1', // production listens on 0.0.0.0; a benchmark needs only loopback
    PORT: String(port),
    CORS_ORIGINS: 'http://localhost:3000',
    API_KEYS: `bench:${API_KEY}:${API_KEY_TIER.name}`,
    RATE_LIMIT_TIERS: `${API_KEY_TIER.name}:${API_KEY_TIER.perMinute}:${API_KEY_TIER.perDay}:${API_KEY_TIER.explanationsPerHour}`,
    ENGINE_MODE: 'local',
    MODAL_ENDPOINT_URL: '',
    LOCAL_ENGINE_URL: '',
    UPSTASH_REDIS_REST_URL: '',
    UPSTASH_REDIS_REST_TOKEN: '',
    SENTRY_DSN: '',
    AXIOM_TOKEN: '',
    AXIOM_DATASET: '',
    TRUSTED_DOCUMENTS: 'off',
    EXPLANATION_ID_SECRET: 'bench-explanation-id-secret-0001',
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    RESPONSE_CACHE: responseCache,
    RESPONSE_CACHE_MAX_MB: '',
    HIT_PATH: hitPath,
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
  };
}

let built = false;

/**
 * What `npm start` runs (the esbuild bundle of src/server.ts) in production mode, built once per benchmark;
 * resolves once /health and then /ready answer 200.
 */
export async function startFullServer(
  label = 'full',
  responseCache: 'on' | 'off' = 'on',
  hitPath: 'on' | 'off' = 'on',
): Promise<ServerHandle> {
  if (!built) {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  const port = await freePort();
  const logFile = join(tmpdir(), `veo-bench-${label}-${process.pid}-${port}.log`);
  logFiles.add(logFile);
  const spawned = spawnTracked(process.execPath, [...startFlags(), 'dist/server.js'], {
    cwd: ROOT,
    env: fullServerEnv(port, responseCache, hitPath),
    stdoutFile: logFile,
    stderrFile: logFile,
  });
  const url = `http://127.0.0.1:${port}`;
  // A process killed by a signal has a signalCode and no exitCode.
  const alive = () => spawned.child.exitCode === null && spawned.child.signalCode === null;
  try {
    await waitFor200(`${url}/health`, 30_000, alive);
    // /ready asks the engine, which starts it (the embedded engine starts on first use).
    await waitFor200(`${url}/ready`, 30_000, alive);
  } catch (error) {
    await spawned.stop();
    throw new Error(`the full server did not get ready: ${(error as Error).message} (its output: ${logFile})`);
  }
  return { name: `the ${label} server`, url, pid: spawned.pid, logFile, process: spawned, stop: () => spawned.stop() };
}

/**
 * A reference server under bench/ started with tsx (minimal-server.ts, strict-minimal-server.ts,
 * yoga-peer-server.ts); resolves once it prints `<name> listening on <url>` (it has loaded its data by then).
 */
export async function startScriptServer(script: string, name: string): Promise<ServerHandle> {
  const logFile = join(tmpdir(), `veo-bench-${name}-${process.pid}.log`);
  logFiles.add(logFile);
  const spawned = spawnTracked(process.execPath, ['--import', 'tsx', script, '--port', '0'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      ...(process.env.PYTHON ? { PYTHON: process.env.PYTHON } : {}),
      // As the full server runs: Yoga and graphql-js skip their development-only checks.
      NODE_ENV: 'production',
    },
    pipeStdout: true,
    stderrFile: logFile,
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 30 s (stderr: ${logFile})`)), 30_000);
    spawned.child.once('exit', (code) => reject(new Error(`${script} exited (code ${code}; stderr: ${logFile})`)));
    const listening = new RegExp(`^${name} listening on (http://\\S+)`);
    createInterface({ input: spawned.child.stdout! }).on('line', (line) => {
      const match = listening.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  }).catch(async (error: Error) => {
    await spawned.stop();
    throw error;
  });
  return { name: script, url, pid: spawned.pid, logFile, process: spawned, stop: () => spawned.stop() };
}

/** The servers compared side by side in scenarios a-c, in the order of the report's tables. */
export const SERVERS = [
  { key: 'full', label: 'full, cache on', start: () => startFullServer('full') },
  { key: 'fullNoCache', label: 'full, cache off', start: () => startFullServer('full-nocache', 'off') },
  { key: 'minimal', label: 'minimal-server.ts', start: () => startScriptServer('bench/minimal-server.ts', 'minimal') },
  { key: 'strict', label: 'strict minimal', start: () => startScriptServer('bench/strict-minimal-server.ts', 'strict-minimal') },
  { key: 'peer', label: 'Yoga + response cache', start: () => startScriptServer('bench/yoga-peer-server.ts', 'yoga-peer') },
] as const;
export type ServerKey = (typeof SERVERS)[number]['key'];

/** Throws when the server's process has exited (measuring a dead server would report zeros). */
export function assertAlive(server: ServerHandle): void {
  const { exitCode, signalCode } = server.process.child;
  if (exitCode !== null || signalCode !== null) {
    throw new Error(
      `${server.name} exited during the run (${signalCode ? `signal ${signalCode}` : `code ${exitCode}`}; its output: ${server.logFile})`,
    );
  }
}

/** The full server's Python engine: its child running serve.py. */
export function enginePidOf(serverPid: number): number | undefined {
  return childPids(serverPid).find((pid) => {
    try {
      return /serve\.py/.test(readCmdline(pid));
    } catch {
      return false;
    }
  });
}

function readCmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
}

/** The full server's /metrics text (production: with the bearer token); throws unless it answers 200. */
async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
  if (!response.ok) throw new Error(`${url}/metrics answered ${response.status}`);
  return response.text();
}

/** Engine HTTP calls so far by endpoint, from the server's own /metrics. */
export async function engineCalls(url: string): Promise<Record<string, number>> {
  const text = await scrape(url);
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^veo_engine_requests_total\{endpoint="([^"]+)"\} (\d+)/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

/** Points charged so far (`veo_query_cost{kind="requested"}`: sum and count), from /metrics. */
export async function chargedPoints(url: string): Promise<{ sum: number; count: number }> {
  const text = await scrape(url);
  const read = (name: string) => Number(new RegExp(`^${name}\\{kind="requested"\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: read('veo_query_cost_sum'), count: read('veo_query_cost_count') };
}

/** after - before, leaving out the endpoints that did not move. */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [endpoint, n] of Object.entries(after)) if (n - (before[endpoint] ?? 0) > 0) delta[endpoint] = n - (before[endpoint] ?? 0);
  return delta;
}
