import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { requestIdOf } from '../http/request-id.ts';
import type { Log } from './logger.ts';

interface Entry {
  started: number;
  operationName?: string;
  operationType?: string;
  context?: Partial<Context>;
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
 * operation, client, cost, duration, cache hits and misses, engine calls and outcome. Put it first among
 * the plugins so that it sees operations that a later plugin refuses.
 */
export function useRequestLog({ log, clientOf, quietPaths = ['/health', '/ready', '/metrics'] }: RequestLogOptions): Plugin<Context> {
  const entries = new WeakMap<Request, Entry>();
  const quiet = new Set(quietPaths);

  /** The operation about to run, and its context, where stats and cost will be. */
  const remember = (args: { contextValue: unknown; document: DocumentNode; operationName?: string | null }) => {
    const context = args.contextValue as Context & { request?: Request };
    const entry = context.request && entries.get(context.request);
    if (!entry) return;
    const operation = getOperationAST(args.document, args.operationName);
    entry.operationName = operation?.name?.value ?? entry.operationName;
    entry.operationType = operation?.operation;
    entry.context = context;
  };

  return {
    onRequest({ request }) {
      entries.set(request, { started: performance.now(), codes: new Set() });
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
      if (!entry || Symbol.asyncIterator in result) return;
      for (const single of (Array.isArray(result) ? result : [result]) as ExecutionResult[]) {
        for (const error of single.errors ?? []) entry.codes.add(String(error.extensions?.code ?? 'UNCODED'));
      }
    },
    onResponse({ request, response, serverContext }) {
      response.headers.set('x-request-id', requestIdOf(request));
      const entry = entries.get(request);
      const path = new URL(request.url).pathname;
      if (!entry || quiet.has(path)) return;
      const context = entry.context;
      const codes = [...entry.codes];
      log('request', {
        requestId: requestIdOf(request),
        method: request.method,
        path,
        status: response.status,
        durationMs: Math.round((performance.now() - entry.started) * 10) / 10,
        operationName: entry.operationName ?? null,
        operationType: entry.operationType ?? null,
        client: context?.client?.id ?? clientOf?.(request, serverContext).id ?? null,
        cost: context?.cost ? { requested: context.cost.requested, actual: context.cost.actual ?? null } : null,
        cacheHits: context?.stats?.hits ?? 0,
        cacheMisses: context?.stats?.misses ?? 0,
        engineCalls: context?.stats?.engineCalls ?? 0,
        outcome: codes.length === 0 && response.status < 400 ? 'ok' : 'errors',
        errorCodes: codes,
      });
    },
  };
}
