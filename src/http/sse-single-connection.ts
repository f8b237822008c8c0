import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { createGraphQLError, isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Log } from '../lib/log.ts';
import type { Drain } from './drain.ts';
import { OpenStreams, type StreamLimit } from './open-streams.ts';
import { withSpecStatus } from './statuses.ts';

/** graphql-sse's names for the reservation token: a header, or a search parameter for EventSource. */
const TOKEN_HEADER = 'x-graphql-event-stream-token';
const TOKEN_PARAM = 'token';

interface StreamLimits {
  /** Open streams a client may hold: reservations, connected or not, and subscriptions over either mode. */
  perClient: number;
  /** Open streams in the process. */
  total: number;
  /** A reservation not connected within this is dropped. */
  connectWithinMs: number;
  /** A comment line this often keeps proxies from closing a quiet stream. */
  pingMs: number;
  /** A connected stream that has run no operation for this long is closed; its client reconnects when it needs one. */
  idleMs: number;
}

// Heap an open stream keeps, measured: 15 KB for a stream with nothing running, 43 KB for a subscription (its
// request's context lives as long as it does). 400 subscriptions are 17 MB, the memory budget's line for
// streams, and twice the 200 concurrent dashboards its load line was measured at.
const LIMITS: StreamLimits = { perClient: 16, total: 400, connectWithinMs: 10_000, pingMs: 12_000, idleMs: 5 * 60_000 };

export interface SingleConnectionOptions {
  graphqlEndpoint: string;
  /** Who holds a stream (the same function the cost plugin uses). */
  clientOf: (request: Request, serverContext: unknown) => { id: string };
  drain: Drain;
  log: Log;
  /** Tests shorten these. */
  limits?: Partial<StreamLimits>;
}

/**
 * graphql-sse's single connection mode (its client's `singleConnection: true`), on the GraphQL endpoint
 * itself: a PUT reserves a stream (201, the token in the body), a GET with the token and
 * `Accept: text/event-stream` opens it, each operation is a POST with the token whose results go down that
 * stream as `next` events `{id, payload}` and a `complete` `{id}` (the POST answers 202), and a DELETE with
 * `?operationId=` stops one.
 *
 * Only the stream is this plugin's: each operation's POST is an ordinary request through every plugin
 * (origin, CSRF, body and variables limits, trusted documents, document limits, cost and budgets, error
 * codes, the drain), and only its answer is redirected, once it exists. Yoga's own graphql-sse plugin
 * answers before all of those and runs the document itself. A POST refused over HTTP (403, 413, 429, the
 * persisted documents' 400s) answers with its status as usual; a request error (a document that does not
 * validate, a variable of the wrong type) is an answer like any other and goes down the stream, as it would
 * under `Accept: application/json`.
 *
 * It also bounds open streams in both modes, since each holds heap (and most a connection) for as long as it
 * is open, however little it sends: a reservation, connected or not, a subscription running on one, and a
 * subscription over Yoga's own SSE (the distinct connections mode) are each one of their client's open
 * streams until they end or their connection closes. Past the bound the PUT, the stream's POST or the
 * subscription is refused with 429 TOO_MANY_STREAMS. A query or a @defer answer is not counted: it ends by
 * itself, as soon as its (bounded) work is done.
 */
export function useSingleConnectionSse(options: SingleConnectionOptions): Plugin {
  const limits: StreamLimits = { ...LIMITS, ...options.limits };
  const streams = new OpenStreams(limits.perClient, limits.total);
  const reservations = new Map<string, Reservation>();
  // The reservation and operation id of each operation POST, from onRequest to onResultProcess.
  const operations = new WeakMap<Request, { reservation: Reservation; id?: string }>();
  // Requests whose operation is a subscription, from onSubscribe to onResultProcess.
  const subscriptions = new WeakSet<Request>();

  // At the drain deadline each operation answers a last SHUTTING_DOWN (src/http/drain.ts): the streams
  // end once those are written, or a second later.
  options.drain.expired.addEventListener('abort', () => {
    for (const reservation of reservations.values()) reservation.closeWhenIdle(1_000);
  });

  const answer = (
    fetchAPI: FetchAPI,
    status: number,
    extensions: { code: string; limit?: StreamLimit },
    message: string,
    headers: Record<string, string> = {},
  ) =>
    new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions }] }), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    });

  const tooMany = (fetchAPI: FetchAPI, limit: StreamLimit) =>
    answer(
      fetchAPI,
      429,
      { code: 'TOO_MANY_STREAMS', limit },
      limit === 'streamsPerClient'
        ? `This client already has ${limits.perClient} streams open or reserved: end one before opening another.`
        : 'The server has as many streams open as it serves: try again later.',
      { 'retry-after': String(Math.ceil(limits.connectWithinMs / 1000)) },
    );

  /** A slot for a subscription; false (and the subscription ended, the answer a 429) when the client has none left. */
  function admit(
    client: string,
    result: AsyncIterable<unknown>,
    setResultProcessor: (processor: (result: unknown, fetchAPI: FetchAPI) => Response, acceptedMediaType: string) => void,
  ): boolean {
    const refused = streams.take(client);
    if (!refused) return true;
    void Promise.resolve(result[Symbol.asyncIterator]().return?.()).catch(() => {});
    setResultProcessor((_result, fetchAPI) => tooMany(fetchAPI, refused), 'application/json');
    return false;
  }

  function reserve(request: Request, serverContext: unknown, fetchAPI: FetchAPI): Response {
    if (options.drain.draining) {
      return answer(fetchAPI, 503, { code: 'SHUTTING_DOWN' }, 'The server is shutting down; reserve a stream again.', {
        'retry-after': '1',
      });
    }
    const client = options.clientOf(request, serverContext).id;
    const refused = streams.take(client);
    if (refused) return tooMany(fetchAPI, refused);
    const token = randomUUID();
    const reservation = new Reservation(limits, options.log, () => {
      reservations.delete(token);
      streams.release(client);
    });
    reservations.set(token, reservation);
    return new fetchAPI.Response(token, { status: 201, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }

  return {
    onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== options.graphqlEndpoint) return;
      if (request.method === 'PUT') return endResponse(reserve(request, serverContext, fetchAPI));
      const token = request.headers.get(TOKEN_HEADER) ?? url.searchParams.get(TOKEN_PARAM);
      // Without a token: the distinct connections mode, which is Yoga's own SSE.
      if (!token) return;
      const reservation = reservations.get(token);
      if (!reservation)
        return endResponse(
          answer(fetchAPI, 404, { code: 'STREAM_NOT_FOUND' }, 'No stream is reserved with this token: reserve one with PUT.'),
        );
      if (request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/event-stream')) {
        if (reservation.connected)
          return endResponse(answer(fetchAPI, 409, { code: 'STREAM_ALREADY_OPEN' }, 'This stream is already open.'));
        return endResponse(reservation.connect(fetchAPI));
      }
      if (request.method === 'DELETE') {
        const id = url.searchParams.get('operationId');
        if (!id) return endResponse(answer(fetchAPI, 400, { code: 'BAD_REQUEST' }, 'Name the operation to stop: ?operationId=.'));
        reservation.stop(id);
        return endResponse(new fetchAPI.Response(null, { status: 200 }));
      }
      if (request.method === 'POST') operations.set(request, { reservation });
    },

    onParams({ request, params }) {
      const operation = operations.get(request);
      if (!operation) return;
      const id = params.extensions?.operationId;
      if (typeof id !== 'string' || id === '' || id.length > 128) {
        throw createGraphQLError('An operation sent on a stream needs extensions.operationId (a string of 1 to 128 characters).', {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
      }
      if (!operation.reservation.claim(id)) {
        throw createGraphQLError('An operation with this operationId is already running on this stream.', {
          extensions: { code: 'BAD_REQUEST', http: { status: 409 } },
        });
      }
      operation.id = id;
    },

    onSubscribe({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (request) subscriptions.add(request);
    },

    onResultProcess({ request, result, serverContext, setResultProcessor }) {
      const subscribed = subscriptions.has(request) && isAsyncIterable(result);
      const operation = operations.get(request);
      if (!operation) {
        if (subscribed) countSubscription(request, serverContext, result, setResultProcessor);
        return;
      }
      if (!operation.id) return;
      const { reservation, id } = operation;
      if (Array.isArray(result) || refusedOverHttp(result) || reservation.closed) {
        reservation.release(id);
        return;
      }
      if (subscribed) {
        const client = options.clientOf(request, serverContext).id;
        if (!admit(client, result, setResultProcessor)) {
          reservation.release(id);
          return;
        }
        reservation.onFinish(id, () => streams.release(client));
      }
      // The result the processor is handed is the final one, as the plugins after this one left it.
      setResultProcessor((final, fetchAPI) => {
        void reservation.pump(id, final as ExecutionResult | AsyncIterable<ExecutionResult>);
        return new fetchAPI.Response(null, { status: 202 });
      }, 'application/json');
    },
  };

  /** A subscription over Yoga's own SSE: one of its client's open streams until its connection closes, however it ends. */
  function countSubscription(
    request: Request,
    serverContext: unknown,
    result: AsyncIterable<unknown>,
    setResultProcessor: Parameters<typeof admit>[2],
  ): void {
    const response = (serverContext as { res?: ServerResponse } | undefined)?.res;
    // Without a Node response (a serverless platform) the platform bounds how long an answer lasts; one whose
    // connection already closed has nothing left to hold.
    if (!response || response.closed) return;
    const client = options.clientOf(request, serverContext).id;
    if (admit(client, result, setResultProcessor)) response.once('close', () => streams.release(client));
  }
}

/** An answer refused over HTTP (a status of 4xx or 5xx under application/json too), not a GraphQL answer. */
function refusedOverHttp(result: ExecutionResult | AsyncIterable<ExecutionResult>): boolean {
  if (isAsyncIterable(result) || result.data !== undefined) return false;
  return (result.errors ?? []).some((error) => {
    const http = (error instanceof GraphQLError ? withSpecStatus(error) : error).extensions?.http as
      | { status?: number; spec?: boolean }
      | undefined;
    return (http?.status ?? 0) >= 400 && !http?.spec;
  });
}

/** The Response and ReadableStream classes of the server (Yoga's fetchAPI). */
interface FetchAPI {
  Response: typeof Response;
  ReadableStream: typeof ReadableStream;
}

/**
 * One reserved stream and the operations sent to it. A result is taken from an operation only when the
 * connection has asked for more (its `pull`), so a client that reads slowly slows its operations down
 * instead of filling memory.
 */
class Reservation {
  /** Running operations by id; null while the POST is still on its way through the plugins. */
  private readonly operations = new Map<string, AsyncIterator<ExecutionResult> | null>();
  /** What to do when an operation ends, however it ends (a streamed one gives back its client's slot). */
  private readonly finishers = new Map<string, () => void>();
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private readonly encoder = new TextEncoder();
  private waiting: (() => void)[] = [];
  /** The connection asked for more since the last event was written. */
  private wanted = false;
  /** Events written before the connection opened (a POST may arrive first). */
  private early: string[] = [];
  private readonly expiry: NodeJS.Timeout;
  private ping: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  /** Closes once its last operation has finished. */
  private closing = false;
  connected = false;
  closed = false;

  constructor(
    private readonly limits: StreamLimits,
    private readonly log: Log,
    private readonly onClose: () => void,
  ) {
    this.expiry = setTimeout(() => this.close(), limits.connectWithinMs);
    this.expiry.unref();
  }

  connect(fetchAPI: FetchAPI): Response {
    this.connected = true;
    clearTimeout(this.expiry);
    this.idleUnlessRunning();
    const body = new fetchAPI.ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        // A first comment, since some browsers wait for a body before they report the stream open.
        this.write(':\n\n');
        for (const text of this.early.splice(0)) this.write(text);
        this.ping = setInterval(() => this.write(':\n\n'), this.limits.pingMs);
      },
      pull: () => {
        this.wanted = true;
        this.wake();
      },
      // The client went away: its operations end with it.
      cancel: () => this.close(),
    });
    return new fetchAPI.Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'content-encoding': 'none' },
    });
  }

  /** Takes an operation id for a POST on its way; false when one with that id is running. */
  claim(id: string): boolean {
    if (this.operations.has(id)) return false;
    this.operations.set(id, null);
    clearTimeout(this.idle);
    return true;
  }

  /** Runs `finisher` once the claimed operation `id` ends (at once if it already has). */
  onFinish(id: string, finisher: () => void): void {
    if (this.operations.has(id)) this.finishers.set(id, finisher);
    else finisher();
  }

  /** The POST of a claimed id was refused over HTTP: nothing will come for it. */
  release(id: string): void {
    if (this.operations.get(id) === null) this.finish(id);
  }

  /** A DELETE: the operation ends, without a `complete` (its client has stopped listening). */
  stop(id: string): void {
    const running = this.operations.get(id);
    this.finish(id);
    // Not awaited: a subscription waiting for its next event ends when it next wakes.
    if (running) void Promise.resolve(running.return?.()).catch(() => {});
  }

  /** Sends an operation's results down the stream, then its `complete`. */
  async pump(id: string, result: ExecutionResult | AsyncIterable<ExecutionResult>): Promise<void> {
    if (!isAsyncIterable(result)) {
      if (this.operations.has(id)) this.send(id, result);
      return;
    }
    const iterator = result[Symbol.asyncIterator]();
    if (!this.operations.has(id)) {
      // Stopped while it was being prepared.
      await iterator.return?.();
      return;
    }
    this.operations.set(id, iterator);
    try {
      for (;;) {
        await this.room();
        if (this.operations.get(id) !== iterator) return;
        const step = await iterator.next();
        if (this.operations.get(id) !== iterator) return;
        if (step.done) break;
        this.write(event('next', { id, payload: wire(step.value) }));
      }
      this.write(event('complete', { id }));
      this.finish(id);
    } catch (error) {
      // The source failed mid-stream: this operation ends with a coded error, the stream and the others go on.
      this.log('sse.operation.error', { error: error instanceof Error ? error.message : String(error) });
      if (this.operations.get(id) === iterator) this.send(id, { errors: [unexpected()] });
    }
  }

  /** Closes once the operations still running have finished, or after `ms`. */
  closeWhenIdle(ms: number): void {
    this.closing = true;
    if (this.operations.size === 0) this.close();
    else setTimeout(() => this.close(), ms).unref();
  }

  /** Ends the stream and every operation on it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiry);
    clearTimeout(this.idle);
    clearInterval(this.ping);
    for (const id of [...this.operations.keys()]) this.stop(id);
    try {
      this.controller?.close();
    } catch {
      // Already cancelled by the client.
    }
    this.wake();
    this.onClose();
  }

  private send(id: string, result: ExecutionResult): void {
    this.write(event('next', { id, payload: wire(result) }));
    this.write(event('complete', { id }));
    this.finish(id);
  }

  private finish(id: string): void {
    if (!this.operations.delete(id)) return;
    const finisher = this.finishers.get(id);
    this.finishers.delete(id);
    finisher?.();
    if (this.closing && this.operations.size === 0) this.close();
    else this.idleUnlessRunning();
  }

  /** A stream that runs nothing is closed after `idleMs`, unless an operation is claimed first. */
  private idleUnlessRunning(): void {
    clearTimeout(this.idle);
    if (!this.connected || this.closed || this.operations.size > 0) return;
    this.idle = setTimeout(() => this.close(), this.limits.idleMs);
    this.idle.unref();
  }

  private write(text: string): void {
    if (this.closed) return;
    if (!this.controller) {
      this.early.push(text);
      return;
    }
    this.wanted = false;
    try {
      this.controller.enqueue(this.encoder.encode(text));
    } catch {
      this.close();
    }
  }

  /** Resolves once the connection has asked for more, or the reservation is closed. */
  private room(): Promise<void> {
    if (this.closed || this.wanted) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

function event(name: 'next' | 'complete', data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function unexpected(): GraphQLError {
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** A result as a client sees it: without the `http` and `unexpected` notes Yoga keeps for itself. */
function wire(result: ExecutionResult): ExecutionResult {
  const { http: _http, ...extensions } = (result.extensions ?? {}) as Record<string, unknown>;
  const errors = result.errors?.map((error) => {
    const json = (error instanceof GraphQLError ? error.toJSON() : error) as { extensions?: Record<string, unknown> };
    const { http: _h, unexpected: _u, ...rest } = json.extensions ?? {};
    return { ...json, extensions: Object.keys(rest).length > 0 ? rest : undefined };
  });
  return {
    ...result,
    ...(errors ? { errors: errors as unknown as ExecutionResult['errors'] } : {}),
    extensions: Object.keys(extensions).length > 0 ? extensions : undefined,
  };
}
