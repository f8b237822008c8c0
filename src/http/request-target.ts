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
  return (req, res) => {
    if (buildable(req)) return handler(req, res);
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
 * - a Host that is not a host (and port): one with `/`, `?`, `#`, `@` or `\` would become part of the URL's
 *   path or query (`Host: h/graphql?query={personas{key}}#` ran the query it carried, found by an outside
 *   tester);
 * - an HTTP/1.1 request without Host (RFC 9112 §3.2: 400; Node's own refusal had no body, code or request id).
 * An absolute-form target (`GET http://host/graphql HTTP/1.1`), which a server must accept (RFC 9112 §3.2.2),
 * is rewritten to origin-form with its authority as the Host.
 */
function buildable(req: IncomingMessage): boolean {
  if (ABSOLUTE_FORM.test(req.url ?? '') && !toOriginForm(req)) return false;
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return false;
  const host = req.headers.host;
  if (host === undefined) return req.httpVersion === '1.0';
  // Most requests repeat the last one's Host and target: a URL is then not built again (2 µs a request).
  if (host === lastBuilt.host && target === lastBuilt.target) return true;
  if (NOT_IN_A_HOST.test(host)) return false;
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
/** What ends a URL's authority or hides one in it; whitespace, too, which a URL parser would refuse anyway. */
const NOT_IN_A_HOST = /[/?#@\\\s]/;

/** `http://host/path?query` as `/path?query` with Host `host`; false when it is not a URL with a plain host. */
function toOriginForm(req: IncomingMessage): boolean {
  let url: URL;
  try {
    url = new URL(req.url!);
  } catch {
    return false;
  }
  if (url.username || url.password || !url.host) return false;
  req.url = `${url.pathname}${url.search}`;
  req.headers.host = url.host;
  return true;
}
