// A local stand-in for the Upstash REST API over a real Redis, so @upstash/redis and @upstash/ratelimit run
// unchanged in development and tests. As a script (`npm run upstash:local`) it serves one and prints the two
// variables @upstash/redis reads (Redis.fromEnv()), so the output can be appended to .env; tests and the
// cache bench import `startUpstashLocal`.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

export interface UpstashLocalOptions {
  redisUrl?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
  /** Generated when not given. */
  token?: string | undefined;
  /** Larger bodies get 413; Upstash also caps request size. */
  maxBodyBytes?: number | undefined;
  /** Sees every authorised, well-formed request before it runs: tests use it to count round trips. */
  onRequest?: ((path: Route, commands: Arg[][]) => void) | undefined;
}

export interface UpstashLocal {
  url: string;
  token: string;
  close(): Promise<void>;
}

export type Arg = string | number;
const ROUTES = ['/', '/pipeline', '/multi-exec'] as const; // one command; an array of them; the same, atomically
export type Route = (typeof ROUTES)[number];
type Reply = { result: unknown } | { error: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// These change the state of the one shared connection (or hand it over to pub/sub), which would leak
// between callers; transactions go through /multi-exec instead.
const DENIED = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'MONITOR',
  'SELECT',
  'QUIT',
  'RESET',
  'AUTH',
  'HELLO',
  'MULTI',
  'EXEC',
  'DISCARD',
  'WATCH',
  'UNWATCH',
]);

// Shebang flags Redis 7.0 understands. @upstash/ratelimit >= 2.1 adds `allow-key-locking`, which 7.0 rejects.
const KNOWN_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Drops unknown shebang flags; the line count stays the same so Lua error line numbers still match. */
export function stripUnknownShebangFlags(script: string): string {
  const match = /^#!lua([^\n]*)/.exec(script);
  if (!match) return script;
  const flags =
    /\bflags=(\S*)/
      .exec(match[1]!)?.[1]
      ?.split(',')
      .filter((f) => KNOWN_FLAGS.has(f)) ?? [];
  return `#!lua${flags.length ? ` flags=${flags.join(',')}` : ''}${script.slice(match[0].length)}`;
}

/** Base64 every string (the exact bytes, hence Buffers), recursively; numbers and null pass through. */
function encode(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) return value.toString(base64 ? 'base64' : 'utf8');
  if (typeof value === 'string') return base64 ? Buffer.from(value).toString('base64') : value;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  if (value instanceof Error) return encode(value.message, base64); // an error nested in a Lua table reply
  return value ?? null;
}

const isArgs = (v: unknown): v is Arg[] =>
  Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string' || typeof a === 'number');

export async function startUpstashLocal({
  redisUrl = 'redis://127.0.0.1:6379',
  port = 0,
  host = '127.0.0.1',
  token = randomBytes(24).toString('base64url'),
  maxBodyBytes = 10 * 1024 * 1024,
  onRequest,
}: UpstashLocalOptions = {}): Promise<UpstashLocal> {
  // Fail fast at start-up rather than on the first request. Later, while Redis is away, commands fail after
  // two reconnect attempts instead of hanging, and a Redis that comes back is picked up within half a second.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  });
  // Without a listener ioredis logs every reconnect attempt; commands still fail on their own.
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw lastError ?? err; // connect() only says "Connection is closed"; the event has the cause
  }

  // The client asks for EVALSHA <sha1 of its script>, but what Redis cached is the stripped script.
  const shaAliases = new Map<string, string>();
  const alias = (sha: Arg | undefined): Arg => shaAliases.get(String(sha).toLowerCase()) ?? sha ?? '';

  /** Returns the command name and arguments as they must reach Redis. */
  function prepare(command: Arg[]): [string, Arg[]] {
    // Upper case on purpose: ioredis keys its reply transformers (e.g. HGETALL => object) on the lower-case
    // name, and the REST protocol wants Redis's raw replies.
    const name = String(command[0]).toUpperCase();
    const args = command.slice(1);
    if (DENIED.has(name)) throw new HttpError(400, `ERR command '${name}' is not supported by this endpoint`);
    const first = String(args[0] ?? '').toUpperCase();
    if (name === 'EVAL' || name === 'EVAL_RO' || (name === 'SCRIPT' && first === 'LOAD')) {
      const i = name === 'SCRIPT' ? 1 : 0;
      const original = String(args[i]);
      const stripped = stripUnknownShebangFlags(original);
      if (stripped !== original) {
        shaAliases.set(sha1(original), sha1(stripped));
        args[i] = stripped;
      }
    } else if (name === 'EVALSHA' || name === 'EVALSHA_RO') {
      args[0] = alias(args[0]);
    } else if (name === 'SCRIPT' && first === 'EXISTS') {
      for (let i = 1; i < args.length; i++) args[i] = alias(args[i]);
    }
    return [name, args];
  }

  /** SCRIPT LOAD must answer with the sha1 the client computed itself, or its later EVALSHA would differ. */
  const answer = (command: Arg[], result: unknown) =>
    String(command[0]).toUpperCase() === 'SCRIPT' && String(command[1]).toUpperCase() === 'LOAD' ? sha1(String(command[2])) : result;

  // Error texts pass through unchanged: @upstash/ratelimit looks for "NOSCRIPT" to fall back to EVAL.
  const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

  /** Runs commands in one round trip to Redis (a single command too); MULTI/EXEC around them when atomic. */
  async function run(commands: Arg[][], atomic: boolean): Promise<Reply[]> {
    const prepared = commands.map(prepare); // validate everything before anything runs
    const chain = atomic ? redis.multi() : redis.pipeline();
    for (const [name, args] of prepared) chain.callBuffer(name, ...args);
    let results: [Error | null, unknown][] | null;
    try {
      results = await chain.exec();
    } catch (err) {
      // EXECABORT: a command could not be queued, so nothing ran; name the command that broke it.
      const cause = (err as { previousErrors?: Error[] }).previousErrors?.[0];
      throw new HttpError(400, cause ? `${errorText(err)} ${cause.message}` : errorText(err));
    }
    // Errors raised while EXEC runs do not roll anything back; Upstash reports them per command, so do we.
    // (exec() gives null only for a failed WATCH, and WATCH is denied.)
    return (results ?? []).map(([err, result], i) => (err ? { error: err.message } : { result: answer(commands[i]!, result) }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const expected = Buffer.from(`Bearer ${token}`);
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(401, 'Unauthorized');
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    if (!ROUTES.includes(path as Route)) throw new HttpError(404, `Not found: ${path}`);
    if (req.method !== 'POST') throw new HttpError(405, 'Method not allowed, use POST');

    // Keep reading past the limit (discarding) so the client receives the 413 instead of a reset socket.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    }
    if (size > maxBodyBytes) throw new HttpError(413, `ERR request body larger than ${maxBodyBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      throw new HttpError(400, 'ERR failed to parse the request body as JSON');
    }
    const commands: unknown[] = path === '/' ? [body] : Array.isArray(body) ? body : [];
    if (!commands.length || !commands.every(isArgs)) {
      throw new HttpError(400, 'ERR expected a command (an array of strings and numbers) or an array of commands');
    }
    onRequest?.(path as Route, commands);

    const base64 = String(req.headers['upstash-encoding']).toLowerCase() === 'base64';
    const encoded = (r: Reply) => ('result' in r ? { result: encode(r.result, base64) } : r);
    const replies = await run(commands, path === '/multi-exec');
    if (path !== '/') return send(res, 200, replies.map(encoded));
    const [reply] = replies as [Reply];
    if ('error' in reply) throw new HttpError(400, reply.error); // a lone failed command is an HTTP error
    send(res, 200, encoded(reply));
  }

  function send(res: ServerResponse, status: number, payload: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, err instanceof HttpError ? err.status : 500, { error: errorText(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(port, host, () => resolve());
  }).catch(async (err) => {
    await redis.quit().catch(() => redis.disconnect());
    throw err;
  });

  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    token,
    async close() {
      server.closeAllConnections(); // the client keeps sockets alive; close() alone would wait for them
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The script: REDIS_URL, UPSTASH_LOCAL_PORT and UPSTASH_LOCAL_TOKEN from the environment; stops on a signal. */
async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const portText = process.env.UPSTASH_LOCAL_PORT || '8079';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`UPSTASH_LOCAL_PORT must be an integer from 0 to 65535, got "${portText}"`);
    process.exit(1);
  }

  try {
    const server = await startUpstashLocal({ redisUrl, port, token: process.env.UPSTASH_LOCAL_TOKEN || undefined });
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`upstash-local: error while stopping on ${signal}:`, err);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Printed only once the handlers are in place, so a supervisor that reads the lines and then signals
    // always gets a clean stop. stdout carries only these two lines; anything else goes to stderr.
    process.stdout.write(`UPSTASH_REDIS_REST_URL=${server.url}\nUPSTASH_REDIS_REST_TOKEN=${server.token}\n`);
  } catch (err) {
    // REDIS_URL may carry a password, so it is not echoed.
    const reason = err instanceof Error ? err.message : String(err);
    console.error(`upstash-local: could not start (is Redis up at REDIS_URL?): ${reason}`);
    process.exit(1);
  }
}

// Only when run as the script, not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
