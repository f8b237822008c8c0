/**
 * The strict minimal: HTTP and GraphQL alone. node:http + graphql-js answering from data already in memory
 * (bench/lib/prepared-schema.ts: loaded from a Python engine at start, every answer's objects prepared then),
 * each document parsed and validated once per distinct query text (a cache, as any server has), `execute`
 * per request, JSON.stringify. No framework, no plugins, no logging, no limits.
 *
 *   node --import tsx bench/strict-minimal-server.ts [--port 0] [--host 127.0.0.1]
 *
 * Prints `strict-minimal listening on http://HOST:PORT` once it accepts connections. POST /graphql (JSON body)
 * only, plus GET /health.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DocumentNode, execute, type GraphQLError, parse, validate } from 'graphql';
import { listen } from './lib/listen.ts';
import { preparedSchema } from './lib/prepared-schema.ts';

const schema = await preparedSchema();

const PARSE_CACHE_MAX = 1_000;
const parsed = new Map<string, { document: DocumentNode } | { errors: readonly GraphQLError[] }>();

function documentFor(query: string) {
  let entry = parsed.get(query);
  if (!entry) {
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      entry = errors.length ? { errors } : { document };
    } catch (error) {
      entry = { errors: [error as GraphQLError] };
    }
    if (parsed.size >= PARSE_CACHE_MAX) parsed.clear();
    parsed.set(query, entry);
  }
  return entry;
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, { errors: [{ message: 'Not found' }] });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return send(res, 400, { errors: [{ message: 'Body is not JSON' }] });
  }
  if (typeof body.query !== 'string') return send(res, 400, { errors: [{ message: 'Missing query' }] });
  const entry = documentFor(body.query);
  if ('errors' in entry) return send(res, 400, { errors: entry.errors });
  const result = await execute({ schema, document: entry.document, variableValues: body.variables, operationName: body.operationName });
  send(res, 200, result);
}

listen('strict-minimal', (req, res) => {
  handle(req, res).catch((error: Error) => send(res, 500, { errors: [{ message: error.message }] }));
});
