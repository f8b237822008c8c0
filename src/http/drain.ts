import { setMaxListeners } from 'node:events';
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { replaceHeader } from '../lib/replace-header.ts';

const SHUTTING_DOWN = 'SHUTTING_DOWN';

/**
 * The shutdown state the plugins and the HTTP server share. `begin()` when the signal arrives: /ready
 * answers 503 and every answer asks its client to reconnect elsewhere. `expire()` when the drain deadline
 * passes: streams still open get a final SHUTTING_DOWN error and complete, operations still running answer
 * with it, so no client sees its connection reset.
 */
export class Drain {
  private started = false;
  private readonly deadline = new AbortController();

  constructor() {
    // Every open stream listens for the deadline while it waits for its next payload (and stops listening
    // once it has it): many at once is expected, not a leak.
    setMaxListeners(0, this.deadline.signal);
  }

  get draining(): boolean {
    return this.started;
  }

  /** Aborted at the drain deadline. */
  get expired(): AbortSignal {
    return this.deadline.signal;
  }

  begin(): void {
    this.started = true;
  }

  expire(): void {
    this.started = true;
    this.deadline.abort();
  }
}

function shuttingDownError(): GraphQLError {
  return new GraphQLError('The server is shutting down; send the request again.', { extensions: { code: SHUTTING_DOWN } });
}

/**
 * Wires the drain into every request: `Connection: close` on answers given while draining (a kept-alive
 * client reconnects, to another instance), and the deadline raced against every operation and stream.
 * Put it after the plugins that replace the executor (graphql-jit), so it wraps the one that runs.
 */
export function useDrain(drain: Drain): Plugin {
  return {
    onRequest({ endResponse, fetchAPI }) {
      if (!drain.expired.aborted) return;
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [shuttingDownError().toJSON()] }), {
          status: 503,
          headers: { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' },
        }),
      );
    },
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => untilDeadline(() => executeFn(args), drain.expired));
    },
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn((args) => untilDeadline(() => subscribeFn(args), drain.expired));
    },
    onResponse({ response }) {
      if (drain.draining) replaceHeader(response.headers, 'connection', 'close');
    },
  };
}

type Result = ExecutionResult | AsyncIterable<ExecutionResult>;

/**
 * The operation's result, or SHUTTING_DOWN if the deadline passes first; a stream is cut at the deadline.
 * A result the executor returns at once (graphql-jit's) stays synchronous.
 */
export function untilDeadline(run: () => unknown, expired: AbortSignal): Result | Promise<Result> {
  const cut = (result: Result) => (isAsyncIterable(result) ? endAtDeadline(result, expired) : result);
  const result = run() as Result | PromiseLike<Result>;
  if (typeof (result as PromiseLike<Result>).then !== 'function') return cut(result as Result);
  return settleBefore(Promise.resolve(result), expired).then((settled) =>
    settled === EXPIRED ? { errors: [shuttingDownError()] } : cut(settled),
  );
}

const EXPIRED = Symbol('expired');

/** `promise`, or EXPIRED as soon as `signal` aborts, without leaving a listener behind either way. */
function settleBefore<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof EXPIRED> {
  if (signal.aborted) return Promise.resolve(EXPIRED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(EXPIRED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The stream as it is until the deadline, then one last payload with SHUTTING_DOWN (`hasNext: false` for
 * an incremental @defer answer) and the end, so Yoga writes the closing multipart boundary or the SSE
 * `complete` event. A client that leaves still ends the source (return() passes through at once).
 */
function endAtDeadline(source: AsyncIterable<ExecutionResult>, expired: AbortSignal): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  let incremental = false;
  const finish = (): IteratorResult<ExecutionResult> => {
    finished = true;
    void Promise.resolve(iterator.return?.()).catch(() => {});
    const last: ExecutionResult & { hasNext?: boolean } = { errors: [shuttingDownError()] };
    if (incremental) last.hasNext = false;
    return { done: false, value: last };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (finished) return { done: true, value: undefined };
      const step = await settleBefore(iterator.next(), expired);
      if (step === EXPIRED) return finish();
      if (step.done) finished = true;
      else if (step.value && 'hasNext' in step.value) incremental = true;
      return step;
    },
    async return(value?: unknown) {
      finished = true;
      await iterator.return?.(value);
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      finished = true;
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}

/** Requests whose response has not ended yet, counted at the HTTP server (streams included). */
export function trackOpenRequests(server: Server) {
  let open = 0;
  let waiters: (() => void)[] = [];
  /** Each connection's requests still open. */
  const onConnection = new WeakMap<Socket, Set<ServerResponse>>();
  const ended = (res: ServerResponse, socket: Socket) => {
    if (!onConnection.get(socket)?.delete(res)) return;
    open -= 1;
    if (open === 0) for (const wake of waiters.splice(0)) wake();
  };
  server.on('request', (req, res) => {
    const socket = req.socket;
    let requests = onConnection.get(socket);
    if (!requests) {
      requests = new Set();
      onConnection.set(socket, requests);
      // A request pipelined behind an answer that closed the connection never gets the socket: its response
      // emits no 'close' (it stayed open for good, and every drain waited out its deadline). The
      // connection's close ends whatever of it is still counted.
      const counted = requests;
      // ended() deletes from the set as it goes, which a Set's iteration allows.
      socket.once('close', () => {
        for (const pending of counted) ended(pending, socket);
      });
    }
    requests.add(res);
    open += 1;
    res.once('close', () => ended(res, socket));
  });
  return {
    get count() {
      return open;
    },
    /** Resolves true when none is open, false if `ms` passes first or `cutShort` aborts (a second signal). */
    settled(ms: number, cutShort?: AbortSignal): Promise<boolean> {
      if (open === 0) return Promise.resolve(true);
      if (cutShort?.aborted) return Promise.resolve(false);
      return new Promise((resolve) => {
        const done = (drained: boolean) => {
          clearTimeout(timer);
          cutShort?.removeEventListener('abort', onCut);
          waiters = waiters.filter((w) => w !== wake);
          resolve(drained);
        };
        const wake = () => done(true);
        const onCut = () => done(false);
        const timer = setTimeout(() => done(false), ms);
        cutShort?.addEventListener('abort', onCut, { once: true });
        waiters.push(wake);
      });
    },
  };
}
