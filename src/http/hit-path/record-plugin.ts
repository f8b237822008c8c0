import type { IncomingMessage } from 'node:http';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Encoding } from '../compression.ts';
import type { HitPath } from './hit-path.ts';

/** What the plugins before this one left on an operation's context (cost, response cache, client). */
interface AnsweredContext {
  request: Request;
  client: { invalidKey?: boolean };
  cost?: { requested: number; actual?: number; refunded?: number };
  responseCacheLookup?: 'hit' | 'miss';
  responseCacheQuestion?: string;
  responseCacheLabel?: string;
}

/** Headers written again for every replayed answer (or by Node itself), never copied from the one recorded. */
const PER_REQUEST = new Set([
  'x-request-id',
  'ratelimit',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'content-length',
  'content-encoding',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);
/** Per answer, on a shared GET: its TTL left and a hash of its body. */
const PER_ANSWER = new Set(['cache-control', 'etag']);

/**
 * Teaches the hit path (hit-path.ts) how the pipeline answered a request that was a whole-response cache hit
 * and nothing else: 200, one JSON answer, priced and charged, no errors. Last among the plugins, so it sees the
 * response as it is sent (compressed, with every plugin's headers).
 */
export function useHitPathRecorder(hitPath: HitPath): Plugin<AnsweredContext> {
  const answered = new WeakMap<Request, { context: AnsweredContext; operationName: string | null }>();
  return {
    onExecute({ args }) {
      const context = args.contextValue;
      const name = getOperationAST(args.document, args.operationName)?.name?.value ?? args.operationName ?? undefined;
      answered.set(context.request, { context, operationName: name === undefined ? null : name.slice(0, 100) });
    },
    onResponse({ request, response, serverContext }) {
      const seen = answered.get(request);
      const req = (serverContext as { req?: IncomingMessage }).req;
      const fingerprint = req && hitPath.fingerprintOf(req);
      if (!seen || !fingerprint) return;
      const { context, operationName } = seen;
      const { cost, responseCacheQuestion: question, responseCacheLabel: metricName } = context;
      const type = response.headers.get('content-type') ?? '';
      const json = type.startsWith('application/json') || type.startsWith('application/graphql-response+json');
      if (context.responseCacheLookup !== 'hit' || response.status !== 200 || !json || context.client.invalidKey) return;
      if (!question || !metricName || cost?.actual === undefined || cost.refunded === undefined) return;
      const shared = request.method === 'GET' && response.headers.has('etag');
      const headers: [string, string][] = [];
      response.headers.forEach((value, name) => {
        if (!PER_REQUEST.has(name) && !(shared && PER_ANSWER.has(name))) headers.push([name, value]);
      });
      const encoding = response.headers.get('content-encoding');
      hitPath.record(fingerprint, {
        question,
        operationName,
        metricName,
        requested: cost.requested,
        actual: cost.actual,
        unused: cost.refunded,
        shared,
        encoding: encoding === 'br' || encoding === 'gzip' ? (encoding as Encoding) : undefined,
        headers,
      });
    },
  };
}
