import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { Drain, useDrain } from '../src/http/drain.ts';
import { eventually, type IngestStandIn, ingestStandIn } from './helpers/ingest-stand-in.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AXIOM_TOKEN = 'xaat-startup-secret-token-0001';
const SENTRY_DSN_KEY = 'sentrypublickey0002';
const ADMIN_TOKEN = 'startup-admin-token-secret-0003';
const UPSTASH_TOKEN = 'startup-upstash-token-secret-0004';
const EXPLANATION_ID_SECRET = 'startup-explanation-secret-0005';

/** The real entry point (`npm start`) as a child process, with exactly `env` (plus PATH). */
function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('configuration errors', () => {
  it('in production lists every missing or invalid setting in one message, without their values', () => {
    let error: unknown;
    try {
      loadConfig({
        NODE_ENV: 'production',
        PORT: 'eighty',
        AXIOM_TOKEN,
        SENTRY_DSN: `not a dsn ${SENTRY_DSN_KEY}`,
        SENTRY_SAMPLE_RATE: '2',
        TRUSTED_DOCUMENTS: 'on',
        TRUSTED_DOCUMENTS_MANIFEST: '/nowhere/persisted-documents.json',
        MAX_DEPTH: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, problems } = error as ConfigError;
    for (const name of [
      'PORT',
      'CORS_ORIGINS',
      'EXPLANATION_ID_SECRET',
      'AXIOM_TOKEN / AXIOM_DATASET',
      'SENTRY_DSN',
      'SENTRY_SAMPLE_RATE',
      'TRUSTED_DOCUMENTS_MANIFEST',
      'MAX_DEPTH',
    ]) {
      expect(message).toContain(name);
    }
    expect(problems).toHaveLength(8);
    expect(message).not.toContain(AXIOM_TOKEN);
    expect(message).not.toContain(SENTRY_DSN_KEY);
  });

  it('rejects CORS_ORIGINS entries that are not origins', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com,*,https://x.example.com/path' })).toThrow(
      /CORS_ORIGINS: "\*", "https:\/\/x\.example\.com\/path"/,
    );
  });

  it('defaults: limits on, trusted documents off, and introspection with GraphiQL only outside production', () => {
    const development = loadConfig({});
    expect(development.security).toMatchObject({
      corsOrigins: [],
      localhostOrigins: true,
      maxBodyBytes: 100_000,
      introspection: true,
      limits: { depth: 8, aliases: 15, directives: 10, tokens: 1000 },
      trustedDocuments: undefined,
    });
    expect(development.observability).toEqual({ sentry: undefined, axiom: undefined, readyTimeoutMs: 1000 });
    const production = loadConfig({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com/', EXPLANATION_ID_SECRET });
    expect(production.security).toMatchObject({ corsOrigins: ['https://app.example.com'], localhostOrigins: false, introspection: false });
    expect(production.graphiql).toBe(false);
  });

  it('stops `npm start` with the message on stderr and exit code 1', async () => {
    const run = runServer({ NODE_ENV: 'production', AXIOM_TOKEN, ADMIN_TOKEN: 'short' });
    expect(await run.exited).toBe(1);
    const { stdout, stderr } = run.output();
    expect(stderr).toContain('Invalid configuration');
    for (const name of ['CORS_ORIGINS', 'AXIOM_TOKEN / AXIOM_DATASET', 'ADMIN_TOKEN']) expect(stderr).toContain(name);
    expect(stdout + stderr).not.toContain(AXIOM_TOKEN);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a production start and SIGTERM', () => {
  let ingest: IngestStandIn;
  beforeAll(async () => {
    ingest = await ingestStandIn();
  });
  afterAll(() => ingest.close());

  it('logs no secret, serves, and flushes its log lines to Axiom when stopped', async () => {
    const run = runServer({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      CORS_ORIGINS: 'https://app.example.com',
      LOCAL_ENGINE_URL: inject('engineUrl'),
      ADMIN_TOKEN,
      EXPLANATION_ID_SECRET,
      SENTRY_DSN: `http://${SENTRY_DSN_KEY}@127.0.0.1:${new URL(ingest.url).port}/1`,
      AXIOM_TOKEN,
      AXIOM_DATASET: 'veo-startup',
      AXIOM_URL: ingest.url,
      UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
      UPSTASH_REDIS_REST_TOKEN: UPSTASH_TOKEN,
    });
    const url = await eventually(() => /"url":"(http:[^"]+)"/.exec(run.output().stdout)?.[1], 20_000);
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': 'req-startup-00001' },
      body: JSON.stringify({ query: '{ area(code: "E09000007") { name } }' }),
    });
    expect((await answer.json()).data.area.name).toBe('Camden');

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const { stdout, stderr } = run.output();
    const events = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).event);
    expect(events).toEqual(expect.arrayContaining(['server.listening', 'request', 'server.stopping']));
    // Flushed on shutdown: the request line reached Axiom before the process exited.
    expect(ingest.axiomLines('veo-startup').map((l) => l.requestId)).toContain('req-startup-00001');
    expect(ingest.axiomLines('veo-startup').map((l) => l.event)).toEqual(expect.arrayContaining(['server.listening', 'server.stopped']));
    for (const secret of [ADMIN_TOKEN, AXIOM_TOKEN, UPSTASH_TOKEN, SENTRY_DSN_KEY, EXPLANATION_ID_SECRET]) {
      expect(stdout + stderr).not.toContain(secret);
      expect(JSON.stringify(ingest.axiomLines('veo-startup'))).not.toContain(secret);
    }
  });
});

describe('HTTP timeouts of the real entry point', () => {
  it('starts with HTTP_HEADERS_TIMEOUT_MS above HTTP_REQUEST_TIMEOUT_MS (capped to it) and closes a silent connection with a coded 408', async () => {
    // Node itself refuses a headers timeout longer than the request timeout: the server must not.
    const run = runServer({
      HOST: '127.0.0.1',
      PORT: '0',
      LOCAL_ENGINE_URL: inject('engineUrl'),
      HTTP_HEADERS_TIMEOUT_MS: '20000',
      HTTP_REQUEST_TIMEOUT_MS: '1000',
    });
    try {
      const url = await eventually(() => /"url":"(http:[^"]+)"/.exec(run.output().stdout)?.[1], 20_000);
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      const started = performance.now();
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      await new Promise((resolve) => socket.on('close', resolve));
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(received.split('\r\n\r\n')[1]!).errors[0].extensions).toEqual({ code: 'REQUEST_TIMEOUT' });
    } finally {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }
  });
});

describe('the drain on shutdown', () => {
  /** A schema whose slow parts never end on their own: only the drain ends them. */
  function drainingYoga() {
    const drain = new Drain();
    let subscriptionsEnded = 0;
    const schema = createSchema({
      typeDefs: 'type Query { fast: Int, never: Int } type Subscription { ticks: Int }',
      resolvers: {
        Query: { fast: () => 1, never: () => new Promise(() => {}) },
        Subscription: {
          ticks: {
            async *subscribe() {
              try {
                for (let i = 0; ; i += 1) {
                  yield { ticks: i };
                  await sleep(20);
                }
              } finally {
                subscriptionsEnded += 1;
              }
            },
          },
        },
      },
    });
    const yoga = createYoga({ schema, plugins: [useDeferStream(), useDrain(drain)], logging: false });
    const post = (query: string, accept = 'application/graphql-response+json') =>
      yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query }),
      });
    return { drain, post, subscriptionsEnded: () => subscriptionsEnded };
  }

  it('answers given while draining carry Connection: close, and are answered as usual', async () => {
    const { drain, post } = drainingYoga();
    expect((await post('{ fast }')).headers.get('connection')).toBeNull();
    drain.begin();
    const answer = await post('{ fast }');
    expect(answer.headers.get('connection')).toBe('close');
    expect(await answer.json()).toEqual({ data: { fast: 1 } });
  });

  it('at the deadline: a subscription and a @defer answer end with SHUTTING_DOWN, an operation still running answers it', async () => {
    const { drain, post } = drainingYoga();
    // Read as they come, as the HTTP server does.
    const subscription = (await post('subscription { ticks }', 'text/event-stream')).text();
    const deferred = (await post('{ fast ... @defer { never } }', 'multipart/mixed')).text();
    const running = post('{ never }');
    await sleep(100);
    drain.expire();

    const events = await subscription;
    expect(events).toMatch(/"ticks":1/);
    expect(events).toMatch(
      /event: next\ndata: \{"errors":\[\{"message":"[^"]+","extensions":\{"code":"SHUTTING_DOWN"\}\}\]\}\n\nevent: complete\ndata:\s*\n\n$/,
    );

    const parts = await deferred;
    expect(parts).toContain('"fast":1');
    const last = parts.trimEnd().split('\r\n---').at(-2)!;
    expect(JSON.parse(last.slice(last.indexOf('{')))).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'SHUTTING_DOWN' } }],
      hasNext: false,
    });
    expect(parts.endsWith('\r\n-----\r\n')).toBe(true);

    const answer = await running;
    expect((await answer.json()).errors[0].extensions.code).toBe('SHUTTING_DOWN');
    // Past the deadline, a request that still arrives is told at once.
    const late = await post('{ fast }');
    expect(late.status).toBe(503);
    expect((await late.json()).errors[0].extensions.code).toBe('SHUTTING_DOWN');
  });

  it('a client that leaves a stream ends its source, drain or not', async () => {
    const { post, subscriptionsEnded } = drainingYoga();
    const subscription = await post('subscription { ticks }', 'text/event-stream');
    const reader = subscription.body!.getReader();
    await reader.read();
    await reader.cancel();
    await eventually(() => subscriptionsEnded() === 1 || undefined, 2_000);
  });
});
