import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startFlags } from '../../../scripts/start-flags.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export const METRICS_TOKEN = 'abuse-suite-metrics-token-0001';
const EXPLANATION_ID_SECRET = 'abuse-suite-explanation-secret-0002';
export const ORIGIN = 'https://app.example.com';

export { startFlags };

export interface ProductionServer {
  url: string;
  child: ChildProcess;
  /** Every JSON log line the server printed so far. */
  logs: { event: string; [k: string]: unknown }[];
  stderr: () => string;
  /** The embedded engine's pid, once it has started. */
  enginePid: () => number | undefined;
  /** Resident memory of node and its python engine together, in MB (from /proc). */
  rssMb: () => number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** GraphQL over POST as a browser app on the allowed origin would send it. */
  gql: (
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ) => Promise<{ status: number; headers: Headers; body: any }>;
  /** /metrics with the token. */
  metrics: () => Promise<string>;
  stop: () => Promise<void>;
}

/**
 * The server exactly as `npm start` runs it (the esbuild bundle built by the abuse project's global setup,
 * the same node flags) in production mode, on a free port, with the embedded Python engine.
 */
export async function startProductionServer(env: Record<string, string> = {}): Promise<ProductionServer> {
  const child = spawn(process.execPath, [...startFlags(), 'dist/server.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH!,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      CORS_ORIGINS: ORIGIN,
      METRICS_TOKEN,
      EXPLANATION_ID_SECRET,
      ...(process.env.PYTHON ? { PYTHON: process.env.PYTHON } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: ProductionServer['logs'] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 20_000);
    void exited.then(({ code }) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { event: string; url?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.event === 'server.listening') {
        clearTimeout(timer);
        resolve(entry.url!.replace(/\/graphql$/, ''));
      }
    });
  });

  const enginePid = () => logs.findLast((l) => l.event === 'engine.local.started')?.pid as number | undefined;
  const rssOf = (pid: number | undefined) => {
    if (!pid) return 0;
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) / 1024 : 0;
    } catch {
      return 0;
    }
  };

  return {
    url,
    child,
    logs,
    stderr: () => stderr,
    enginePid,
    rssMb: () => rssOf(child.pid) + rssOf(enginePid()),
    exited,
    async gql(query, variables, headers = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', origin: ORIGIN, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: the test sees the text
      }
      return { status: response.status, headers: response.headers, body };
    },
    async metrics() {
      const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      return response.text();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The server still serves: `{ __typename }` answers, and how long it took. */
export async function stillServes(server: ProductionServer): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  const answer = await server.gql('{ __typename }');
  return { ok: answer.status === 200 && answer.body?.data?.__typename === 'Query', ms: performance.now() - started };
}
