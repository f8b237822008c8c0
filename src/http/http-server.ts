import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { requestIdFrom } from '../lib/request-id.ts';
import { noteTimedOut } from '../lib/timed-out.ts';

export interface HttpTimeouts {
  /** Until the request's headers have arrived. */
  headersTimeoutMs: number;
  /** Until the whole request (headers and body) has arrived; the answer, however long, is not counted. */
  requestTimeoutMs: number;
  /** How long a kept-alive connection may sit idle between requests. */
  keepAliveTimeoutMs: number;
}

/**
 * The public HTTP server: Node's timeouts from the configuration (a client that sends its request slowly
 * is cut off instead of holding a connection for minutes), and the errors Node answers itself (timeouts,
 * oversized headers, malformed HTTP) as coded GraphQL-shaped JSON like every other refusal.
 */
export function createHttpServer(
  handler: RequestListener,
  timeouts: HttpTimeouts,
  log?: (event: string, fields?: Record<string, unknown>) => void,
): Server {
  const requestTimeout = timeouts.requestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout; the headers are part of the request.
  const headersTimeout = Math.min(timeouts.headersTimeoutMs, requestTimeout);
  const server = createServer(
    {
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      // An HTTP/1.1 request without Host is refused in front of the app (request-target.ts), with a coded
      // body and a request id; Node's own refusal had neither.
      requireHostHeader: false,
      // Node enforces both timeouts by checking on this interval (30 s by default, which let a slow client
      // stay that much longer): check often enough that a request is cut within 5% past its timeout.
      connectionsCheckingInterval: checkingInterval(Math.min(headersTimeout, requestTimeout)),
    },
    handler,
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection dropped before or between requests is the client's business, not an event: logging each
    // would let anyone write a log line per connection they open and close.
    if (!QUIET_CLIENT_ERRORS.has(error.code ?? '')) log?.('http.client_error', { code: error.code ?? 'unknown' });
    answerClientError(error, socket);
  });
  return server;
}

const QUIET_CLIENT_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'HPE_INVALID_EOF_STATE']);

function checkingInterval(shortestTimeoutMs: number): number {
  return Math.max(50, Math.min(1_000, Math.floor(shortestTimeoutMs / 20)));
}

const ANSWERS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    code: 'REQUEST_TIMEOUT',
    message: 'The request was not received in time.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    message: 'The request headers (the URL included) are too large.',
  },
};
const MALFORMED = { status: 400, reason: 'Bad Request', code: 'BAD_REQUEST', message: 'The request is not valid HTTP.' };

/**
 * What Node's default does (answer, then close), with a coded body. Nothing is written once an answer to
 * this connection's current request has started: that would corrupt it for the client.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (socket.writable && !inFlight?.headersSent && error.code !== 'ECONNRESET') {
    const answer = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ errors: [{ message: answer.message, extensions: { code: answer.code } }] });
    // A request whose headers arrived (its body timed out) keeps the id it sent, as its log line does.
    const requestId = requestIdFrom(inFlight?.req?.headers['x-request-id'] as string | undefined);
    if (inFlight?.req && answer.status === 408) noteTimedOut(inFlight.req, requestId);
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: application/json; charset=utf-8\r\nx-request-id: ${requestId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
