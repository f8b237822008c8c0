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
      if (run.document !== args.document || run.operationName !== (args.operationName ?? undefined)) return;
      Object.assign((args.contextValue as unknown as { stats: object }).stats, run.stats);
      setExecuteFn(() => run.result);
    },
  };
}
