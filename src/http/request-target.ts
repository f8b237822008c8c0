import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdFrom } from '../lib/request-id.ts';
import type { Log } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const MESSAGE = 'The request target or the Host header does not make a URL: send a path (one leading slash) and a host name.';

/**
 * A request whose URL cannot be built from its target and Host header (an absolute-form or `*` target, a Host
 * such as `a b` or `x:99999`) is refused here with a coded 400. In front of Yoga: its Node adapter builds the
 * URL before any plugin runs, and answered such a request 500 with a stack trace in plain text, no request id,
 * no log line and no metric (found by an outside tester).
 */
export function refuseUnbuildableUrls(handler: Handler, log: Log, metrics: Metrics): Handler {
  /** Connections answered with a refusal here, which closes them. */
  const closing = new WeakSet<object>();
  return (req, res) => {
    // A request pipelined behind the refusal was parsed before the connection closed: it is not run (nor
    // charged). It was, and its answer never reached the client, which would send it again (found by an
    // outside tester). The connection's close ends it.
    if (closing.has(req.socket)) return;
    if (buildable(req)) return handler(req, res);
    closing.add(req.socket);
    const requestId = requestIdFrom(req.headers['x-request-id'] as string | undefined);
    const body = JSON.stringify({ errors: [{ message: MESSAGE, extensions: { code: 'BAD_REQUEST' } }] });
    // The body, if any, is not read: the connection closes after the answer.
    res.writeHead(400, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-request-id': requestId,
      connection: 'close',
    });
    res.end(body);
    metrics.httpDuration.observe({ route: 'other', status: '400' }, 0);
    log('request', {
      requestId,
      method: (req.method ?? '').slice(0, 16),
      // The target as sent would be a field of the client's choosing: neither it nor the Host goes in the log.
      path: null,
      status: 400,
      durationMs: 0,
      outcome: 'errors',
      errorCodes: ['BAD_REQUEST'],
    });
  };
}

/**
 * As @whatwg-node/server builds a request's URL (`http://` + Host + target). Refused:
 * - a target that is not origin-form, or that starts with `//`, which a URL parser may read as a host of its
 *   own (`//cdn.example/graphql` ran GraphQL outside the path every plugin compares with, so without its
 *   caching headers: found by an outside tester);
 * - a Host that is not a host name or address with an optional port: one with `/`, `?`, `#` or `@` would have
 *   become part of the URL's path or query (`Host: h/graphql?query={personas{key}}#` ran the query it
 *   carried: found by an outside tester);
 * - an HTTP/1.1 request without Host, or with two (RFC 9112 §3.2: 400; Node's own refusal of a missing one had
 *   no body, code or request id, and Node kept the first of two where a proxy may read the last).
 * An absolute-form target (`GET http://host/graphql HTTP/1.1`), which a server must accept (RFC 9112 §3.2.2),
 * is rewritten to origin-form with its authority as the Host, when that authority is a plain host as written
 * (not `http:///x`, whose URL parser takes the path's first segment for the host, nor `0x7f.1` or `%41`,
 * which it rewrites).
 */
function buildable(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined ? req.httpVersion !== '1.0' : hostsSent(req) > 1) return false;
  if (ABSOLUTE_FORM.test(req.url ?? '') && !toOriginForm(req)) return false;
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return false;
  if (host === undefined) return true;
  // Most requests repeat the last one's Host and target: a URL is then not built again (2 µs a request).
  if (host === lastBuilt.host && target === lastBuilt.target) return true;
  if (!HOST.test(host)) return false;
  try {
    new URL(`http://${host}${target}`);
  } catch {
    return false;
  }
  lastBuilt = { host, target };
  return true;
}
let lastBuilt = { host: '', target: '' };

const ABSOLUTE_FORM = /^https?:\/\//i;
/** A host name, an IPv4 address or a bracketed IPv6 one, and an optional port: what a Host names, no more. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

function hostsSent(req: IncomingMessage): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') count += 1;
  return count;
}

/** `http://host/path?query` as `/path?query` with Host `host`; false unless the authority is a plain host as written. */
function toOriginForm(req: IncomingMessage): boolean {
  const target = req.url!;
  const afterScheme = target.indexOf('//') + 2;
  const end = target.slice(afterScheme).search(/[/?#]/);
  const authority = end === -1 ? target.slice(afterScheme) : target.slice(afterScheme, afterScheme + end);
  if (!HOST.test(authority)) return false;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  // The parser lowercases the host and drops a default port; anything else it changed was not a plain host.
  const written = authority.toLowerCase();
  const defaultPort = url.protocol === 'https:' ? ':443' : ':80';
  if (written !== url.host && written !== `${url.host}${defaultPort}`) return false;
  req.url = `${url.pathname}${url.search}`;
  req.headers.host = url.host;
  return true;
}
