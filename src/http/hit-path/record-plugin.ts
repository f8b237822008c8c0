import type { IncomingMessage } from 'node:http';
import { type ExecutionArgs, getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { heapBytesOf } from '../../cache/heap-size.ts';
import { isDeprecatedCoordinate, operationCoordinates } from '../../observability/operation-coordinates.ts';
import type { Encoding } from '../compression.ts';
import { compiledQueryOf, jitVariables, variablesFitJit } from '../jit.ts';
import type { HitPath, Replay } from './hit-path.ts';
import { deepFreeze, type Plan } from './prepared.ts';

/** What the plugins before this one left on an operation's context (cost, response cache, client). */
interface AnsweredContext {
  request: Request;
  client: { invalidKey?: boolean };
  /** The request carried the admin token (checked only when it sent credentials). */
  admin: boolean;
  /** The `operation_name` label the metrics plugin counted the operation under. */
  operationLabel?: string;
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
 * Fields whose resolvers start, rebuild or charge explanation jobs (the explanations budget): an operation
 * that selects one is never prepared, so no job is started twice or charged twice by a run handed back to
 * the pipeline. Anything of type Explanation is reached through one of them.
 */
const startsJobs = (coordinate: string) => coordinate.startsWith('Explanation.') || /\.explanations?$/.test(coordinate);

/**
 * Teaches the hit path (hit-path.ts) how the pipeline answered a request, when it answered with 200 and one
 * plain JSON answer, priced and charged, without errors: a whole-response cache hit is replayed from the
 * cache; a query POST the response cache was not asked about (RESPONSE_CACHE=off, or an operation it never
 * keeps), run compiled by graphql-jit, is prepared to run again (prepared.ts). Last among the plugins, so it
 * sees the response as it is sent (compressed, with every plugin's headers).
 */
export function useHitPathRecorder(hitPath: HitPath): Plugin<AnsweredContext> {
  const answered = new WeakMap<Request, { context: AnsweredContext; args: ExecutionArgs }>();
  /** Worked out only for an answer about to be recorded, once per operation (operationCoordinates caches its list). */
  const withDeprecation = new WeakMap<readonly string[], Replay['coordinates']>();
  const coordinatesOf = ({ schema, document, operationName }: ExecutionArgs): Replay['coordinates'] => {
    const coordinates = operationCoordinates(schema, document, operationName);
    let marked = withDeprecation.get(coordinates);
    if (!marked) {
      marked = coordinates.map((coordinate) => ({ coordinate, deprecated: isDeprecatedCoordinate(schema, coordinate) }));
      withDeprecation.set(coordinates, marked);
    }
    return marked;
  };
  // Requests that asked by an APQ hash alone, with that hash (read before the APQ plugin fills in the query).
  const byHash = new WeakMap<Request, string>();
  // Requests whose answer was data alone: no errors, nothing stale (the plugins' final result, before it is sent).
  const plain = new WeakSet<Request>();
  return {
    onResultProcess({ request, result }) {
      if (Array.isArray(result) || isAsyncIterable(result)) return;
      if (result.data && !result.errors?.length && !result.extensions?.stale) plain.add(request);
    },
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
      const { cost, responseCacheQuestion: question, responseCacheLabel } = context;
      const type = response.headers.get('content-type') ?? '';
      const json = type.startsWith('application/json') || type.startsWith('application/graphql-response+json');
      if (response.status !== 200 || !json || context.client.invalidKey || !plain.has(request)) return;
      if (cost?.actual === undefined || cost.refunded === undefined) return;
      const coordinates = coordinatesOf(args);
      const hit = context.responseCacheLookup === 'hit' && question !== undefined;
      // An operation that starts explanation jobs is never prepared; decided before anything is copied for a plan.
      const preparable = context.responseCacheLookup === undefined && !coordinates.some(({ coordinate }) => startsJobs(coordinate));
      const source = hit
        ? { question, actual: cost.actual, unused: cost.refunded }
        : preparable
          ? planOf(request, context, args, cost.requested, () => hitPath.askedBefore(fingerprint))
          : undefined;
      const metricName = hit ? responseCacheLabel : context.operationLabel;
      if (!source || !metricName) return;
      const shared = request.method === 'GET' && response.headers.has('etag');
      const headers: [string, string][] = [];
      response.headers.forEach((value, name) => {
        if (!PER_REQUEST.has(name) && !(shared && PER_ANSWER.has(name))) headers.push([name, value]);
      });
      const encoding = response.headers.get('content-encoding');
      const name = getOperationAST(args.document, args.operationName)?.name?.value ?? args.operationName ?? undefined;
      hitPath.record(fingerprint, {
        source,
        operationName: name === undefined ? null : name.slice(0, 100),
        metricName,
        requested: cost.requested,
        shared,
        encoding: encoding === 'br' || encoding === 'gzip' ? (encoding as Encoding) : undefined,
        headers,
        coordinates,
        persistedHash: byHash.get(request),
      });
    },
  };
}

/**
 * The plan of a query POST run by graphql-jit, charged (not the free `rateLimit` alone) and not an admin's;
 * undefined for anything else, which the pipeline keeps answering.
 */
function planOf(
  request: Request,
  context: AnsweredContext,
  args: ExecutionArgs,
  requested: number,
  askedBefore: () => boolean,
): { plan: Plan } | undefined {
  if (request.method !== 'POST' || requested === 0) return undefined;
  const operation = getOperationAST(args.document, args.operationName);
  if (operation?.operation !== 'query') return undefined;
  if (request.headers.has('authorization') && context.admin) return undefined;
  // Before the compiled query is looked for: a document's first run (not compiled yet) counts as asked.
  if (!askedBefore() || !compiledQueryOf(args.document, args.operationName) || !variablesFitJit(args)) return undefined;
  const declared = (operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value);
  const sent = args.variableValues ?? {};
  const kept = declared.filter((name) => Object.hasOwn(sent, name));
  const variables = kept.length > 0 ? Object.fromEntries(kept.map((name) => [name, sent[name]])) : undefined;
  // Large variables are rare and gain least (their answer is large too); they would crowd out the rest.
  const bytes = variables ? heapBytesOf(variables) : 0;
  if (bytes > MAX_PLAN_VARIABLES_BYTES) return undefined;
  return {
    plan: {
      document: new WeakRef(args.document),
      operationName: args.operationName ?? undefined,
      // Without a prototype, as graphql-jit must be given them (jit.ts, jitVariables), made once for every run.
      variables: deepFreeze(jitVariables(operation, variables && structuredClone(variables))),
      bytes,
    },
  };
}

/** The variables a plan may keep, by their heap (heapBytesOf): a hundredth of the 2 MB the hit path keeps. */
const MAX_PLAN_VARIABLES_BYTES = 20 * 1024;
