import { createHash } from 'node:crypto';
import { type Cache, useResponseCache as useEnvelopResponseCache } from '@envelop/response-cache';
import { BREAK, type DocumentNode, type ExecutionResult, getOperationAST, Kind, type OperationDefinitionNode, print, visit } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { type ResponseCache, readEntities } from '../cache/response-cache.ts';
import type { CacheKind } from '../config/cache-kinds.ts';
import type { Metrics } from '../observability/metrics.ts';
import { manifestOperationNames, OperationNameLabels } from './metrics-labels.ts';

/** What this plugin reads on an operation's context, and the outcome it leaves there for the request log. */
interface AnswerContext {
  request: Request;
  /** The request carried the admin token. */
  admin: boolean;
  /** What the loaders read (src/cache/cache.ts): which ids of which kinds, until when, and whether a value was not final. */
  stats: {
    read?: ReadonlyMap<CacheKind, ReadonlySet<string>>;
    freshUntil?: number;
    unsettled?: boolean;
    stale: ReadonlyMap<unknown, unknown>;
  };
  responseCacheLookup?: 'hit' | 'miss';
  /** When the lookup was made, on the response cache's clock: an answer invalidated since is not stored. */
  responseCacheAskedAt?: number;
  /** The question looked up (the store's key before the data version), and the operation's metric label. */
  responseCacheQuestion?: string;
  responseCacheLabel?: string;
}

export interface ResponseCacheOptions {
  /** The store; undefined when RESPONSE_CACHE=off (answers are then still given their TTL, for HTTP caching). */
  responses: ResponseCache | undefined;
  /** Each cache kind's TTL: an answer lives as long as the shortest of the kinds it read. */
  ttlSeconds: Record<CacheKind, number>;
  metrics: Metrics;
  /** With trusted documents, the manifest: its operation names are the metric's labels. */
  trustedManifest?: Record<string, string>;
}

/** Root fields whose answer is per client (`rateLimit`), per moment (`health`) or about the schema. */
const NEVER_CACHED_ROOT_FIELDS = new Set(['rateLimit', 'health', '__schema', '__type']);

/** How long each request's answer may be kept by anyone: set for an answer that may be, read by http-cache.ts. */
const answerTtls = new WeakMap<Request, number>();

/** Seconds the answer to `request` may be kept and served to anyone; undefined when it may not be. */
export function answerTtlOf(request: Request): number | undefined {
  return answerTtls.get(request);
}

/**
 * The whole-response cache, in the execution chain after the cost plugin and graphql-jit: @envelop/response-cache
 * wraps the executor they chose, so a hit is priced, charged, refunded, logged and counted like any answer, and
 * only its execution is skipped. A query is looked up by its document, operation, variables and the engine's
 * data version, never by who asks: the per-client parts of an answer (`extensions.cost.throttleStatus`, the
 * rate-limit headers) are added by the plugins around it, after the lookup, and are never stored. Never cached:
 * mutations, subscriptions, @defer and @stream, `rateLimit`, `health` and introspection, admin requests, and
 * answers with errors, with stale parts (`extensions.stale`) or with a job not yet finished. An answer lives as
 * long as the shortest TTL of the cache kinds it read, and is dropped by what it read (see cache/response-cache.ts).
 */
export function useResponseCache({ responses, ttlSeconds, metrics, trustedManifest }: ResponseCacheOptions): Plugin<AnswerContext> {
  /**
   * The TTL an answer may have: the shortest TTL of the kinds its request read, and no longer than the first
   * value it read stays fresh (a value fetched a while ago has less left); undefined when it may not be cached.
   */
  const ttlOf = (ctx: AnswerContext, result: ExecutionResult): number | undefined => {
    const { read, freshUntil, unsettled, stale } = ctx.stats;
    if (result.errors?.length || result.extensions?.stale || stale.size > 0 || unsettled || !read?.size) return undefined;
    const left = freshUntil === undefined ? Infinity : Math.floor((freshUntil - Date.now()) / 1000);
    const ttl = Math.min(left, ...[...read.keys()].map((kind) => ttlSeconds[kind]));
    return ttl > 0 ? ttl : undefined;
  };

  if (!responses) {
    return {
      onExecute({ args }) {
        const ctx = args.contextValue;
        if (!cacheable(args.document, args.operationName, ctx)) return undefined;
        return {
          onExecuteDone({ result }) {
            if (isAsyncIterable(result)) return;
            const ttl = ttlOf(ctx, result);
            if (ttl !== undefined) answerTtls.set(ctx.request, ttl);
          },
        };
      },
    };
  }

  const operationNames = new OperationNameLabels(trustedManifest ? manifestOperationNames(trustedManifest) : undefined);

  /** The plugin's view of the store for one request: it records what the lookup found, and what was stored. */
  const storeFor = (ctx: AnswerContext, operationName: string): Cache => ({
    async get(key) {
      ctx.responseCacheQuestion = key;
      ctx.responseCacheLabel = operationName;
      ctx.responseCacheAskedAt = responses.time();
      const answer = await responses.get(key);
      ctx.responseCacheLookup = answer ? 'hit' : 'miss';
      metrics.responseCacheLookups.inc({ result: ctx.responseCacheLookup, operation_name: operationName });
      if (!answer) return null;
      const left = Math.floor((answer.expiresAt - Date.now()) / 1000);
      if (left > 0) answerTtls.set(ctx.request, left);
      return { data: answer.data as ExecutionResult['data'] };
    },
    set(key, result, entities, pluginTtlMs) {
      const ttl = ttlOf(ctx, result);
      if (ttl === undefined) return;
      const seconds = Math.min(ttl, pluginTtlMs / 1000);
      answerTtls.set(ctx.request, seconds);
      // Only the data: the errors are none, and the extensions (cost, stale) belong to one request.
      const read = readEntities(ctx.stats.read ?? new Map());
      return responses.set(key, result.data, [...entities, ...read], seconds, ctx.responseCacheAskedAt);
    },
    invalidate: (entities) => responses.invalidate(entities),
  });

  const stores = new WeakMap<AnswerContext, Cache>();
  const inner = useEnvelopResponseCache<AnswerContext>({
    session: () => null,
    cache: (ctx) => stores.get(ctx as AnswerContext)!,
    // Mutations never reach it (see onExecute below); the kinds they touch are dropped by the admin resolvers.
    invalidateViaMutation: false,
    includeExtensionMetadata: false,
    shouldCacheResult: ({ result }) => !result.errors?.length,
    getDocumentString: (args) => documentHashOf(args.document),
    // The question; the store adds the engine's data version to it.
    buildResponseCacheKey: ({ documentString, operationName, variableValues }) =>
      createHash('sha256')
        .update(`${documentString}\u0000${operationName ?? ''}\u0000${stableJson(variableValues ?? {})}`)
        .digest('base64url'),
  });

  return {
    onSchemaChange: inner.onSchemaChange,
    onExecute(params) {
      const { args } = params;
      const ctx = args.contextValue;
      if (!cacheable(args.document, args.operationName, ctx)) return undefined;
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      stores.set(ctx, storeFor(ctx, operationNames.label('query', name)));
      return inner.onExecute?.(params);
    },
  };
}

/** Whether an operation may be answered from the cache and its answer stored, before it runs. */
function cacheable(document: DocumentNode, operationName: string | null | undefined, ctx: AnswerContext): boolean {
  let byOperation = cacheableOperations.get(document);
  if (!byOperation) {
    byOperation = new Map();
    cacheableOperations.set(document, byOperation);
  }
  const name = operationName ?? '';
  let answer = byOperation.get(name);
  if (answer === undefined) {
    const operation = getOperationAST(document, operationName);
    answer =
      operation?.operation === 'query' &&
      !streams(document) &&
      !rootFieldsOf(document, operation).some((f) => NEVER_CACHED_ROOT_FIELDS.has(f));
    byOperation.set(name, answer);
  }
  // Checked last, and only with credentials sent: it compares the admin token.
  return answer && !(ctx.request.headers.has('authorization') && ctx.admin);
}

const cacheableOperations = new WeakMap<DocumentNode, Map<string, boolean>>();

/** @defer or @stream anywhere: the answer is a stream, which stays unbuffered. */
function streams(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'defer' && node.name.value !== 'stream') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

/** The names of the root fields an operation selects, through its fragments. */
function rootFieldsOf(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])),
  );
  const names: string[] = [];
  const seen = new Set<string>();
  const stack = [operation.selectionSet];
  while (stack.length > 0) {
    for (const selection of stack.pop()!.selections) {
      if (selection.kind === Kind.FIELD) names.push(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) stack.push(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) stack.push(fragment);
      }
    }
  }
  return names;
}

const documentHashes = new WeakMap<DocumentNode, string>();

/** A hash of the document's text, printed once per parsed document (Yoga's parse cache hands out the same one). */
function documentHashOf(document: DocumentNode): string {
  let hash = documentHashes.get(document);
  if (hash === undefined) {
    hash = createHash('sha256').update(print(document)).digest('base64url');
    documentHashes.set(document, hash);
  }
  return hash;
}

/** JSON with object keys sorted, nulls kept: the same variables in another order are the same question. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    member && typeof member === 'object' && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}
