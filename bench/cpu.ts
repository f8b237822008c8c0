/**
 * The per-request tax: CPU time each server spends per request (user + system, read from /proc before and after),
 * for the small documents, at 5 connections after a warm-up. Less sensitive to what else the machine runs than
 * requests per second (which also measure the load generator sharing the two cores), and it separates the
 * layers: node:http alone, the strict minimal (HTTP and GraphQL), stock Yoga with its response cache, and the
 * full server with the hit path, with every hit through Yoga's pipeline (HIT_PATH=off), and without the
 * response cache. Prints a markdown table (bench/PROFILE.md quotes it).
 *
 *   node --import tsx bench/cpu.ts [--seconds 5] [--only 'strict,cache off']   (servers whose label holds one of these)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as docs from './lib/documents.ts';
import { load } from './lib/load.ts';
import { installCleanup, killAll } from './lib/processes.ts';
import { API_KEY, removeLogs, type ServerHandle, startFullServer, startScriptServer } from './lib/servers.ts';

const { values: argv } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, only: { type: 'string' } } });
const SECONDS = Number(argv.seconds);
const HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-api-key': API_KEY };

const SERVERS: { label: string; start: () => Promise<ServerHandle> }[] = [
  { label: 'node:http alone (a fixed answer)', start: () => startScriptServer('bench/fixed-answer-server.ts', 'fixed-answer') },
  { label: 'strict minimal', start: () => startScriptServer('bench/strict-minimal-server.ts', 'strict-minimal') },
  { label: 'Yoga + response cache', start: () => startScriptServer('bench/yoga-peer-server.ts', 'yoga-peer') },
  { label: 'full, hit path', start: () => startFullServer('cpu-hit-path') },
  { label: 'full, hits through the pipeline (HIT_PATH=off)', start: () => startFullServer('cpu-pipeline', 'on', 'off') },
  { label: 'full, cache off, prepared operations', start: () => startFullServer('cpu-nocache', 'off') },
  { label: 'full, cache off, through the pipeline (HIT_PATH=off)', start: () => startFullServer('cpu-nocache-pipeline', 'off', 'off') },
].filter(({ label }) => !argv.only || argv.only.split(',').some((part) => label.includes(part)));
const DOCUMENTS = [
  { name: 'single area', body: docs.body(docs.AREA, { code: docs.CAMDEN }) },
  { name: 'personas', body: docs.body(docs.PERSONAS) },
  { name: 'dashboard', body: docs.body(docs.DASHBOARD) },
];

/** User + system CPU of the process (all its threads), in microseconds. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command's closing parenthesis.
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
}

/** A closed-loop run of `seconds` at 5 connections: the CPU the server spent per request, and its rate. */
async function measure(server: ServerHandle, body: string, seconds: number) {
  const before = cpuMicros(server.pid);
  const started = performance.now();
  const result = await load({
    url: `${server.url}/graphql`,
    connections: 5,
    seconds,
    method: 'POST',
    headers: HEADERS,
    body,
    graphql: true,
  });
  const cpu = cpuMicros(server.pid) - before;
  if (result.errors || result.non2xx) throw new Error(`${server.name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
  return { perRequest: cpu / result.requests, rps: result.requests / ((performance.now() - started) / 1000) };
}

async function main() {
  const rows: string[] = [];
  for (const { label, start } of SERVERS) {
    const server = await start();
    try {
      const cells: string[] = [];
      for (const { body } of DOCUMENTS) {
        await measure(server, body, 2); // warm-up: JIT, caches, the hit path's first replays
        const { perRequest, rps } = await measure(server, body, SECONDS);
        cells.push(`${Math.round(perRequest)} µs (${Math.round(rps).toLocaleString('en')} req/s)`);
      }
      rows.push(`| ${label} | ${cells.join(' | ')} |`);
      process.stderr.write(`${rows.at(-1)}\n`);
    } finally {
      await server.stop();
    }
  }
  process.stdout.write(
    `| server | ${DOCUMENTS.map((d) => d.name).join(' | ')} |\n|---|${DOCUMENTS.map(() => '---:').join('|')}|\n${rows.join('\n')}\n`,
  );
}

installCleanup(async () => removeLogs());
await main()
  .then(removeLogs)
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(killAll);
