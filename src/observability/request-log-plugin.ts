import { type DocumentNode, type GraphQLSchema, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { receivedAt } from '../lib/received-at.ts';
import { refusalOf } from '../lib/refusals.ts';
import { requestIdOf } from '../lib/request-id.ts';
import { resultsOf } from '../lib/results.ts';
import { timedOutId } from '../lib/timed-out.ts';
import type { Log } from './logger.ts';
import { operationCoordinates } from './operation-coordinates.ts';

/** What the log line reads from an operation's context, where the cost plugin and the loaders leave it. */
interface LoggedContext {
  request?: Request;
  client?: { id: string };
  cost?: { requested: number; actual?: number };
  stats?: { hits: number; misses: number; engineCalls: number };
  /** What the whole-response cache found; unset when it was not asked (see src/http/response-cache.ts). */
  responseCacheLookup?: 'hit' | 'miss';
}

interface Entry {
  started: number;
  operationName?: string;
  operationType?: string;
  /** The schema coordinates the operation selects (operation-coordinates.ts): shared, cached per document. */
  coordinates?: readonly string[];
  context?: LoggedContext;
  codes: Set<string>;
}

export interface RequestLogOptions {
  log: Log;
  /**
   * Who made the request (API key id or IP) when no context was built for it (it failed before execution).
   * Executed requests use `context.client`, set by the rate-limit work.
   */
  clientOf?: (request: Request, serverContext: unknown) => { id: string };
  /** Probes and scrapes: answered, given a request id, but not logged. */
  quietPaths?: readonly string[];
}

/**
 * One `request` log line per HTTP request: request id (also echoed in the x-request-id response header),
 * operation, the schema coordinates it selects (`coordinates`: `Type.field`, sorted, see
 * operation-coordinates.ts; null when no operation ran), client, cost, duration, cache hits and misses, engine
 * calls, whether the whole answer came from the response cache (`hit`, `miss`, null when it was not asked) and
 * outcome. Put it first among the plugins so that it sees operations that a later plugin refuses.
 */
export function useRequestLog({ log, clientOf, quietPaths = ['/health', '/ready', '/metrics'] }: RequestLogOptions): Plugin<LoggedContext> {
  const entries = new WeakMap<Request, Entry>();
  const quiet = new Set(quietPaths);

  /** The operation about to run, and its context, where stats and cost will be. */
  const remember = (args: { schema: GraphQLSchema; contextValue: unknown; document: DocumentNode; operationName?: string | null }) => {
    const context = args.contextValue as LoggedContext;
    const entry = context.request && entries.get(context.request);
    if (!entry) return;
    const operation = getOperationAST(args.document, args.operationName);
    // Bounded like the name sent in the body: a log field is never longer than a client wants it to be.
    entry.operationName = operation?.name?.value.slice(0, 100) ?? entry.operationName;
    entry.operationType = operation?.operation;
    entry.coordinates = operationCoordinates(args.schema, args.document, args.operationName);
    entry.context = context;
  };

  return {
    onRequest({ request, serverContext }) {
      // From its arrival: a request the fast path handed on (http/hit-path) was timed from there.
      entries.set(request, { started: receivedAt(serverContext), codes: new Set() });
    },
    onParams({ request, params }) {
      const entry = entries.get(request);
      if (entry && typeof params.operationName === 'string') entry.operationName = params.operationName.slice(0, 100);
    },
    onExecute({ args }) {
      remember(args);
    },
    onSubscribe({ args }) {
      remember(args);
    },
    onResultProcess({ request, result }) {
      const entry = entries.get(request);
      // An incremental (@defer) answer is logged when it starts; its later parts are not inspected.
      if (!entry) return;
      for (const single of resultsOf(result)) {
        for (const error of single.errors ?? []) entry.codes.add(String(error.extensions?.code ?? 'UNCODED'));
      }
    },
    onResponse({ request, response, serverContext }) {
      response.headers.set('x-request-id', requestIdOf(request));
      const entry = entries.get(request);
      const path = new URL(request.url).pathname;
      if (!entry || quiet.has(path)) return;
      const context = entry.context;
      const refusal = refusalOf(request, response);
      if (refusal) entry.codes.add(refusal);
      // Cut by the request timeout: the client got a 408 with this id (http-server.ts), not this answer.
      const timedOut = timedOutId((serverContext as { req?: object } | undefined)?.req);
      const codes = timedOut ? ['REQUEST_TIMEOUT'] : [...entry.codes];
      log('request', {
        requestId: timedOut ?? requestIdOf(request),
        method: request.method.slice(0, 16),
        // The path a client chose, bounded: an 8 KB URL is not an 8 KB log field.
        path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
        status: timedOut ? 408 : response.status,
        durationMs: Math.round((performance.now() - entry.started) * 10) / 10,
        operationName: entry.operationName ?? null,
        operationType: entry.operationType ?? null,
        coordinates: entry.coordinates ?? null,
        client: context?.client?.id ?? clientOf?.(request, serverContext).id ?? null,
        cost: context?.cost ? { requested: context.cost.requested, actual: context.cost.actual ?? null } : null,
        cacheHits: context?.stats?.hits ?? 0,
        cacheMisses: context?.stats?.misses ?? 0,
        engineCalls: context?.stats?.engineCalls ?? 0,
        responseCache: context?.responseCacheLookup ?? null,
        outcome: codes.length === 0 && response.status < 400 ? 'ok' : 'errors',
        errorCodes: codes,
      } satisfies RequestLine);
    },
  };
}

/** The `request` log line's fields, every one always present: a line written elsewhere (http/hit-path) gives them all too. */
export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  operationName: string | null;
  operationType: string | null;
  coordinates: readonly string[] | null;
  client: string | null;
  cost: { requested: number; actual: number | null } | null;
  cacheHits: number;
  cacheMisses: number;
  engineCalls: number;
  responseCache: 'hit' | 'miss' | null;
  outcome: 'ok' | 'errors';
  errorCodes: string[];
}
