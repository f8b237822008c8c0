import type { IncomingMessage } from 'node:http';
import { type ExecutionArgs, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isDeprecatedCoordinate, operationCoordinates } from '../../observability/operation-coordinates.ts';
import type { Encoding } from '../compression.ts';
import type { HitPath, Replay } from './hit-path.ts';

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
  const answered = new WeakMap<Request, { context: AnsweredContext; args: ExecutionArgs }>();
  /** Worked out only for an answer about to be recorded. */
  const coordinatesOf = ({ schema, document, operationName }: ExecutionArgs): Replay['coordinates'] =>
    operationCoordinates(schema, document, operationName).map((coordinate) => ({
      coordinate,
      deprecated: isDeprecatedCoordinate(schema, coordinate),
    }));
  // Requests that asked by an APQ hash alone, with that hash (read before the APQ plugin fills in the query).
  const byHash = new WeakMap<Request, string>();
  return {
    onRequestParse({ request }) {
      return {
        onRequestParseDone({ requestParserResult }) {
          const params = Array.isArray(requestParserResult) ? undefined : requestParserResult;
          const hash = (params?.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
          if (params?.query == null && typeof hash === 'string') byHash.set(request, hash);
        },
      };
    },
    onExecute({ args }) {
      answered.set(args.contextValue.request, { context: args.contextValue, args });
    },
    onResponse({ request, response, serverContext }) {
      const seen = answered.get(request);
      const req = (serverContext as { req?: IncomingMessage }).req;
      const fingerprint = req && hitPath.fingerprintOf(req);
      if (!seen || !fingerprint) return;
      const { context, args } = seen;
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
      const name = getOperationAST(args.document, args.operationName)?.name?.value ?? args.operationName ?? undefined;
      hitPath.record(fingerprint, {
        question,
        operationName: name === undefined ? null : name.slice(0, 100),
        metricName,
        requested: cost.requested,
        actual: cost.actual,
        unused: cost.refunded,
        shared,
        encoding: encoding === 'br' || encoding === 'gzip' ? (encoding as Encoding) : undefined,
        headers,
        coordinates: coordinatesOf(args),
        persistedHash: byHash.get(request),
      });
    },
  };
}
