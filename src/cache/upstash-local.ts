import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

// A local stand-in for the Upstash REST API over a real Redis, so @upstash/redis and @upstash/ratelimit run
// unchanged in development and tests. Routes: POST / (one command), /pipeline and /multi-exec (arrays).

export interface UpstashLocalOptions {
  redisUrl?: string;
  port?: number;
  host?: string;
  token?: string;
  /** Larger bodies get 413; Upstash also caps request size. */
  maxBodyBytes?: number;
}

export interface UpstashLocal {
  url: string;
  token: string;
  close(): Promise<void>;
}

type Arg = string | number;
type Reply = { result: unknown } | { error: string };

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

// These change the state of the one shared connection (or hand it over to pub/sub), which would leak
// between callers; transactions go through /multi-exec instead.
const DENIED = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE',
  'MONITOR', 'SELECT', 'QUIT', 'RESET', 'AUTH', 'HELLO', 'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH']);

// Shebang flags Redis 7.0 understands. @upstash/ratelimit >= 2.1 adds `allow-key-locking`, which 7.0 rejects.
const KNOWN_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Drops unknown shebang flags; the line count stays the same so Lua error line numbers still match. */
export function stripUnknownShebangFlags(script: string): string {
  const match = /^#!lua([^\n]*)/.exec(script);
  if (!match) return script;
  const flags = /\bflags=(\S*)/.exec(match[1]!)?.[1]?.split(',').filter((f) => KNOWN_FLAGS.has(f)) ?? [];
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
}: UpstashLocalOptions = {}): Promise<UpstashLocal> {
  // Fail fast at start-up rather than on the first request; afterwards errors surface per command.
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  redis.on('error', () => {}); // without a listener ioredis logs every reconnect attempt; commands still fail
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw err;
  }

  // The client asks for EVALSHA <sha1 of its script>, but what Redis cached is the stripped script.
  const shaAliases = new Map<string, string>();

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
      args[0] = shaAliases.get(String(args[0]).toLowerCase()) ?? args[0];
    } else if (name === 'SCRIPT' && first === 'EXISTS') {
      for (let i = 1; i < args.length; i++) args[i] = shaAliases.get(String(args[i]).toLowerCase()) ?? args[i];
    }
    return [name, args];
  }

  /** SCRIPT LOAD must answer with the sha1 the client computed itself, or its later EVALSHA would differ. */
  const answer = (command: Arg[], result: unknown) =>
    String(command[0]).toUpperCase() === 'SCRIPT' && String(command[1]).toUpperCase() === 'LOAD'
      ? sha1(String(command[2]))
      : result;

  const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)); // keeps "NOSCRIPT ..."

  async function one(command: Arg[]): Promise<Reply> {
    const [name, args] = prepare(command);
    try {
      return { result: answer(command, await redis.callBuffer(name, ...args)) };
    } catch (err) {
      // A Redis error reply is the caller's problem (400); anything else (connection lost) is ours (500).
      throw new HttpError((err as Error).name === 'ReplyError' ? 400 : 500, errorText(err));
    }
  }

  async function batch(commands: Arg[][], atomic: boolean): Promise<Reply[]> {
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
    if (!results) throw new HttpError(500, 'ERR transaction aborted');
    // Errors raised while EXEC runs do not roll anything back; Upstash reports them per command, so do we.
    return results.map(([err, result], i) => (err ? { error: err.message } : { result: answer(commands[i]!, result) }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const expected = Buffer.from(`Bearer ${token}`);
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(401, 'Unauthorized');
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
    if (!['/', '/pipeline', '/multi-exec'].includes(path)) throw new HttpError(404, `Not found: ${path}`);
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

    const base64 = String(req.headers['upstash-encoding']).toLowerCase() === 'base64';
    let reply: Reply | Reply[];
    if (path === '/') {
      if (!isArgs(body)) throw new HttpError(400, 'ERR expected a JSON array of strings and numbers');
      reply = await one(body);
    } else {
      if (!Array.isArray(body) || body.length === 0 || !body.every(isArgs)) {
        throw new HttpError(400, 'ERR expected a non-empty JSON array of commands');
      }
      reply = await batch(body, path === '/multi-exec');
    }
    const encoded = (r: Reply) => ('result' in r ? { result: encode(r.result, base64) } : r);
    send(res, 200, Array.isArray(reply) ? reply.map(encoded) : encoded(reply));
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
