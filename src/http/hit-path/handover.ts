import type { IncomingMessage } from 'node:http';
import type { DocumentNode, ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * A prepared run whose answer was not a plain one (errors, a stale part): the pipeline answers the request
 * with this result rather than running the operation again, so the client does not wait for two runs and the
 * engine is not asked twice (during an outage, twice its retries). What its loaders did comes along, for the
 * log line, `extensions.stale` and the response cache's verdict.
 */
interface Run {
  document: DocumentNode;
  operationName: string | undefined;
  result: ExecutionResult;
  stats: object;
  /** How long the run took: the operation's duration (the metrics plugin adds it to the pipeline's). */
  seconds: number;
}

/** What the pipeline's operation context gets from a handed-over run (read by http/metrics-plugin.ts). */
export interface HandedOverContext {
  preparedRunSeconds?: number;
}

/**
 * The same document: the same object, or the same text. Yoga's document cache may have let the plan's
 * parsed document go and parsed the text again; the request (and so its body) is the one handed over.
 */
function sameDocument(a: DocumentNode, b: DocumentNode): boolean {
  return a === b || (a.loc !== undefined && a.loc.source.body === b.loc?.source.body);
}

const runs = new WeakMap<IncomingMessage, Run>();

export function handOver(req: IncomingMessage, run: Run): void {
  runs.set(req, run);
}

/**
 * The pipeline's side: the operation of a request handed over from a prepared run gives that run's result
 * as its execution (once, and only for the same document and operation), and every plugin after it sees it
 * as it would its own run: error codes and masking, statuses, the cost and its refund, `extensions.stale`,
 * error reports, the log line. After graphql-jit, whose executor it replaces.
 */
export function useHandedOverRuns(): Plugin {
  return {
    onExecute({ args, setExecuteFn }) {
      const req = (args.contextValue as { req?: IncomingMessage }).req;
      const run = req && runs.get(req);
      if (!run) return;
      runs.delete(req!);
      if (!sameDocument(run.document, args.document) || run.operationName !== (args.operationName ?? undefined)) return;
      const context = args.contextValue as unknown as { stats: object } & HandedOverContext;
      Object.assign(context.stats, run.stats);
      context.preparedRunSeconds = run.seconds;
      setExecuteFn(() => run.result);
    },
  };
}
