import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { ResponseCache } from '../../cache/response-cache.ts';
import type { CachedAnswer } from '../../cache/response-memory.ts';
import { markReceived, receivedAt } from '../../lib/received-at.ts';
import { requestIdFrom } from '../../lib/request-id.ts';
import { timedOutId } from '../../lib/timed-out.ts';
import type { CountCell } from '../../observability/count-cells.ts';
import type { Log } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { RequestLine } from '../../observability/request-log-plugin.ts';
import type { Client, HeaderSource } from '../../ratelimit/clients.ts';
import { type Charged, pushRateLimitHeaders, throttleStatus } from '../../ratelimit/headers.ts';
import { unusedPoints } from '../../ratelimit/plugin.ts';
import type { RateLimits } from '../../ratelimit/rate-limits.ts';
import { isAdminRequest } from '../admin-auth.ts';
import { bytesOf, compress, type Encoding } from '../compression.ts';
import type { Drain } from '../drain.ts';
import { sharedCacheControl, weakEtag } from '../http-cache.ts';
import { fingerprintOf } from './fingerprint.ts';
import { handOver } from './handover.ts';
import { type ExecutionOptions, type Plan, type PreparedContext, prepare, run } from './prepared.ts';

/** An answer from the response cache: the entry of `question`, with the cost the pipeline worked out for it. */
export interface CacheSource {
  /** The response cache's key of the question. */
  question: string;
  actual: number;
  /** Points refunded after the charge: what the answer did not use. */
  unused: number;
}

/**
 * How the full pipeline answered a request: what a request with the same fingerprint is answered, from the
 * response cache (a hit) or by running the operation again (a prepared operation, see prepared.ts).
 */
export interface Replay {
  source: CacheSource | { plan: Plan };
  /** As the request log has it. */
  operationName: string | null;
  /** The `operation_name` label the pipeline counted it under. */
  metricName: string;
  requested: number;
  /** A GET anyone may keep: `throttleStatus` null, `Cache-Control` and `ETag` per answer (see http-cache.ts). */
  shared: boolean;
  encoding?: Encoding;
  /** The answer's headers that are the same for every request with this fingerprint. */
  headers: [string, string][];
  /** Asked by its APQ hash alone: answered only while that document is still registered (and its use keeps it so). */
  persistedHash?: string;
  /** The schema coordinates the operation selects, as the request log lists them, each `deprecated` or not. */
  coordinates: readonly { coordinate: string; deprecated: boolean }[];
}

/** A replay with the metric series its answers count in, looked up once (prom-client hashes labels per call). */
interface Kept extends Replay {
  usage: CountCell[];
  names: readonly string[];
  /** `headers` as node's writeHead takes them: name, value, name, value. */
  flatHeaders: string[];
}

export interface HitPathOptions {
  graphqlPath: string;
  /** Bodies up to this size are read here (at most MAX_BODY_BYTES); larger ones go to the pipeline unread. */
  maxBodyBytes: number;
  responses: ResponseCache;
  limits: RateLimits;
  clientOf: (request: HeaderSource, serverContext: unknown) => Client;
  adminToken: string | undefined;
  metrics: Metrics;
  log: Log;
  drain: Drain;
  /** The APQ documents (TRUSTED_DOCUMENTS=off): a replay by hash needs its document still registered, as the pipeline does. */
  persistedDocuments?: { get(hash: string): string | undefined };
  /** Runs prepared operations again (see prepared.ts); without it only response-cache hits are answered here. */
  execution?: ExecutionOptions;
}

/** What a replay answers with, whichever its source. */
interface Answered {
  /** `data` as JSON. */
  json: string;
  actual: number;
  charged: Charged[];
  /** A shared GET's cache entry and its seconds left (http-cache.ts). */
  entry?: CachedAnswer;
  left?: number;
  /** A run's context: its request id and loader stats go in the log line. */
  ran?: PreparedContext;
  /** Seconds from the charge to the refund, as the pipeline times an operation it runs; unset for a hit (the whole request). */
  seconds?: number;
}

/** Larger questions are rare and gain least: their answer takes longer to write than the pipeline to run. */
const MAX_BODY_BYTES = 16 * 1024;
/** The replays kept, by the heap they take (a few hundred bytes each): part of the memory budget. */
const MAX_REPLAY_BYTES = 2 * 1024 * 1024;
/** Below this an answer is sent as it is (as compression.ts decides). */
const MIN_COMPRESSED_BYTES = 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The fast path for whole-response cache hits, and for prepared operations (prepared.ts: a repeated query the
 * response cache does not answer, run again here with the same guards). Yoga's pipeline (Fetch API objects, a dozen plugins' hooks,
 * the context, the document cache) costs far more than a hit's own work, so a request that is, in everything
 * that shapes an answer (fingerprint.ts), the same as one the pipeline already answered from the response
 * cache is answered here from the same cache entry. Every guard still holds for it: its origin, CSRF headers,
 * body, document limits, trusted document and price were checked when the pipeline answered that fingerprint,
 * and are a function of it; what depends on who asks or when is done again here, with the pipeline's own parts:
 * the client and its key, the admin check, the price against the client's maximum, the budgets (charge and
 * refund), the response cache lookup (its TTL, the data version and invalidations), the request id, the log
 * line and the metrics. Anything else (a refusal, a miss, a drain, an admin, an unknown key) goes through the
 * pipeline, which gives the coded answer.
 */
export class HitPath {
  private readonly replays = new LRUCache<string, Kept>({
    maxSize: MAX_REPLAY_BYTES,
    sizeCalculation: (replay, key) =>
      512 + (key.length + sourceLength(replay.source) + JSON.stringify(replay.headers).length + replay.names.join().length) * 2,
  });
  /** Fingerprints the pipeline ran once with a plain answer (askedBefore). */
  private readonly once = new LRUCache<string, true>({ max: 2_000 });
  /** The field usage series and names of an operation's coordinates (shared by every replay of the document). */
  private readonly counted = new WeakMap<Replay['coordinates'], Pick<Kept, 'usage' | 'names'>>();
  /** Fingerprints of requests handed to the pipeline, for `record`. */
  private readonly pending = new WeakMap<IncomingMessage, string>();
  /** Each cached answer's data as JSON, written once. */
  private readonly json = new WeakMap<CachedAnswer, string>();
  private readonly shared = new WeakMap<CachedAnswer, SharedForm>();
  private readonly maxBody: number;
  /** By operation label: a bounded set (metrics-labels.ts), like the labels themselves. */
  private readonly series = new Map<string, Series>();

  constructor(private readonly options: HitPathOptions) {
    this.maxBody = Math.min(MAX_BODY_BYTES, options.maxBodyBytes);
  }

  /** node:http's handler: the fast path where it applies, else `pipeline` (Yoga). */
  handler(pipeline: Handler): Handler {
    // Nothing here may reject unhandled (the process would exit): whatever fails ends that one request.
    const fail = (error: unknown, res: ServerResponse) => {
      this.options.log('hit_path.failed', { message: error instanceof Error ? error.message : String(error) });
      res.destroy();
    };
    return (req, res) => {
      markReceived(req);
      const length = this.eligibleLength(req);
      if (length === undefined) return pipeline(req, res);
      if (length === 0) return void this.serve(req, res, undefined, pipeline).catch((error) => fail(error, res));
      readBody(req, length)
        .then((body) => (body ? this.serve(req, res, body, pipeline) : this.logAborted(req)))
        .catch((error) => fail(error, res));
    };
  }

  /** A body the client stopped sending (it went away, or the request timeout cut it): logged as the pipeline logs one. */
  private logAborted(req: IncomingMessage): void {
    const timedOut = timedOutId(req);
    this.options.log('request', {
      requestId: timedOut ?? requestIdFrom(req.headers['x-request-id'] as string | undefined),
      method: req.method,
      path: this.options.graphqlPath,
      status: timedOut ? 408 : 400,
      durationMs: Math.round((performance.now() - receivedAt({ req })) * 10) / 10,
      outcome: 'errors',
      errorCodes: [timedOut ? 'REQUEST_TIMEOUT' : 'BAD_REQUEST'],
    });
  }

  /** The fingerprint the pipeline answered, when it answered `req` from the response cache; see record-plugin.ts. */
  fingerprintOf(req: IncomingMessage): string | undefined {
    return this.pending.get(req);
  }

  record(fingerprint: string, replay: Replay): void {
    let counted = this.counted.get(replay.coordinates);
    if (!counted) {
      const { fieldUsage } = this.options.metrics;
      counted = {
        usage: replay.coordinates.map(({ coordinate, deprecated }) => fieldUsage.cell({ coordinate, deprecated: String(deprecated) })),
        names: replay.coordinates.map((c) => c.coordinate),
      };
      this.counted.set(replay.coordinates, counted);
    }
    this.replays.set(fingerprint, { ...replay, ...counted, flatHeaders: replay.headers.flat() });
  }

  /**
   * Whether the pipeline's plain run of `fingerprint` is worth preparing: its second one. A question asked
   * once (a dashboard's every distinct variable value) takes a line here, not a plan.
   */
  askedBefore(fingerprint: string): boolean {
    if (this.replays.has(fingerprint) || this.once.has(fingerprint)) return true;
    this.once.set(fingerprint, true);
    return false;
  }

  /**
   * The body's length when the request may take the fast path (0 for a GET), else undefined: a GET or a POST
   * to the GraphQL path, not a revalidation (the pipeline answers 304s), with a small body of declared length.
   */
  private eligibleLength(req: IncomingMessage): number | undefined {
    if (this.options.drain.draining) return undefined;
    const url = req.url ?? '';
    const path = url.indexOf('?') === -1 ? url : url.slice(0, url.indexOf('?'));
    if (path !== this.options.graphqlPath || req.headers['if-none-match'] !== undefined) return undefined;
    if (req.method === 'GET') return 0;
    const declared = req.headers['content-length'];
    if (req.method !== 'POST' || declared === undefined || req.headers['transfer-encoding'] !== undefined) return undefined;
    const length = /^\d{1,6}$/.test(declared) ? Number(declared) : Infinity;
    return length > 0 && length <= this.maxBody ? length : undefined;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, pipeline: Handler): Promise<void> {
    const started = receivedAt({ req });
    const fingerprint = fingerprintOf(req, body);
    const replay = this.replays.get(fingerprint);
    let answered = false;
    if (replay) {
      try {
        answered = await this.replay(req, res, replay, started);
      } catch (error) {
        this.options.log('hit_path.failed', { message: (error as Error).message });
        if (res.headersSent) return void res.destroy();
      }
    }
    if (answered) return;
    this.pending.set(req, fingerprint);
    // The body was read here: the pipeline takes it from `req.body` (@whatwg-node/server's convention for a
    // body a framework already read). One async iterable with one own key, so it is not copied or inspected.
    if (body) (req as IncomingMessage & { body?: unknown }).body = { body, [Symbol.asyncIterator]: () => once(body) };
    pipeline(req, res);
  }

  /** Answers `req` as `replay` says when nothing about this request or this moment differs; false when it may not. */
  private async replay(req: IncomingMessage, res: ServerResponse, replay: Kept, started: number): Promise<boolean> {
    const { limits, clientOf, adminToken } = this.options;
    const request = { method: req.method ?? '', headers: nodeHeaders(req) };
    const client = clientOf(request, { req });
    if (client.invalidKey || replay.requested > limits.maxCostFor(client)) return false;
    // Its use counts as the pipeline's would (it keeps the document from eviction); forgotten, the pipeline answers 404.
    if (replay.persistedHash !== undefined && this.options.persistedDocuments?.get(replay.persistedHash) === undefined) return false;
    if (req.headers.authorization !== undefined && isAdminRequest(request, adminToken)) return false;
    const answered =
      'plan' in replay.source
        ? await this.execute(req, replay.source.plan, replay.requested, request, client)
        : await this.lookUp(replay.source, replay, client);
    if (!answered) return false;

    const status = replay.shared ? 'null' : JSON.stringify(throttleStatus(answered.charged));
    const text = `{"data":${answered.json},"extensions":{"cost":{"requestedQueryCost":${replay.requested},"actualQueryCost":${answered.actual},"throttleStatus":${status}}}}`;
    const requestId = answered.ran?.requestId ?? requestIdFrom(request.headers.get('x-request-id'));
    const out = replay.flatHeaders.slice();
    pushRateLimitHeaders(out, answered.charged);
    out.push('x-request-id', requestId);
    // A shared answer's body is the same for everyone: its tag and compressed bytes are worked out once.
    const shared = answered.entry ? this.sharedForm(answered.entry, text) : undefined;
    if (shared) out.push('cache-control', sharedCacheControl(answered.left!), 'etag', shared.etag);
    let payload: Uint8Array | string = text;
    if (replay.encoding && Buffer.byteLength(text) >= MIN_COMPRESSED_BYTES) {
      const encoding = replay.encoding;
      let compressed = shared?.compressed[encoding];
      if (!compressed) {
        compressed = compress(Buffer.from(text), encoding);
        if (shared) shared.compressed[encoding] = compressed;
      }
      payload = bytesOf(await compressed);
      out.push('content-encoding', encoding);
    }
    out.push('content-length', String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength));
    res.writeHead(200, out);
    res.end(payload);

    const seconds = (performance.now() - started) / 1000;
    const series = this.seriesOf(replay.metricName);
    if (answered.ran) series.prepared.n++;
    else {
      series.hitPath.n++;
      series.hits.n++;
    }
    series.requested.observe(replay.requested);
    series.actual.observe(answered.actual);
    series.operation.observe(answered.seconds ?? seconds);
    series.http.observe(seconds);
    for (const cell of replay.usage) cell.n++;
    const stats = answered.ran?.stats;
    this.options.log('request', {
      requestId,
      method: req.method ?? '',
      path: this.options.graphqlPath,
      status: 200,
      durationMs: Math.round(seconds * 10_000) / 10,
      operationName: replay.operationName,
      operationType: 'query',
      coordinates: replay.names,
      client: client.id,
      cost: { requested: replay.requested, actual: answered.actual },
      cacheHits: stats?.hits ?? 0,
      cacheMisses: stats?.misses ?? 0,
      engineCalls: stats?.engineCalls ?? 0,
      responseCache: answered.ran ? null : 'hit',
      outcome: 'ok',
      errorCodes: [],
    } satisfies RequestLine);
    return true;
  }

  /** The response cache's answer, charged; undefined when there is none (or too little of it is left) or the budget refuses. */
  private async lookUp(source: CacheSource, replay: Replay, client: Client): Promise<Answered | undefined> {
    const { responses, limits } = this.options;
    const entry = await responses.get(source.question);
    // A shared answer with less than a second left is private (http-cache.ts): the pipeline says so.
    const left = entry ? Math.floor((entry.expiresAt - Date.now()) / 1000) : 0;
    if (!entry || (replay.shared && left <= 0) || this.options.drain.draining) return undefined;
    // Refused: nothing was charged, and the pipeline answers the 429 (and counts it).
    const charge = await limits.charge(client, replay.requested, { counted: false });
    if (!charge.allowed) return undefined;
    limits.count(charge);
    const charged = source.unused > 0 ? await limits.refund(client, source.unused, charge.charged[0]!.decision.store) : charge.charged;
    return { json: this.jsonOf(entry), actual: source.actual, charged, entry: replay.shared ? entry : undefined, left };
  }

  /**
   * Runs a prepared operation, charged as the cost plugin charges it (the price first, what it did not use
   * refunded after). Undefined when the pipeline must answer: its compiled query is gone, the drain began, the
   * budget refuses (nothing was charged), or the answer is not a plain one (everything charged is refunded).
   */
  private async execute(
    req: IncomingMessage,
    plan: Plan,
    requested: number,
    request: HeaderSource & { method: string },
    client: Client,
  ): Promise<Answered | undefined> {
    const { limits, execution } = this.options;
    const prepared = execution && prepare(plan);
    if (!prepared || this.options.drain.draining) return undefined;
    const began = performance.now();
    // Counted once the run is answered here: the pipeline counts its own otherwise.
    const charge = await limits.charge(client, requested, { counted: false });
    if (!charge.allowed) return undefined;
    const store = charge.charged[0]!.decision.store;
    const context = execution.contextOf(request, client, requestIdFrom(request.headers.get('x-request-id')));
    const outcome = await run(prepared, context, execution).catch((error: unknown) => {
      this.options.log('hit_path.failed', { message: error instanceof Error ? error.message : String(error) });
      return undefined;
    });
    if (!outcome || 'result' in outcome) {
      const seconds = (performance.now() - began) / 1000;
      await limits.refund(client, requested, store, { counted: false });
      // The pipeline answers with this run's result (handover.ts): it is charged once, and nothing runs twice.
      if (outcome) {
        const { document } = prepared;
        handOver(req, { document, operationName: plan.operationName, result: outcome.result, stats: context.stats, seconds });
      }
      return undefined;
    }
    const ran = outcome.plain;
    limits.count(charge);
    const unused = unusedPoints(requested, requested, ran.actual);
    const charged = unused > 0 ? await limits.refund(client, unused, store) : charge.charged;
    const seconds = (performance.now() - began) / 1000;
    return { json: JSON.stringify(ran.data), actual: ran.actual, charged, ran: ran.context, seconds };
  }

  /** The series a replay of the operation `name` counts in, looked up once (prom-client hashes labels per call). */
  private seriesOf(name: string): Series {
    let series = this.series.get(name);
    if (!series) {
      series = seriesFor(this.options.metrics, this.options.graphqlPath, name);
      this.series.set(name, series);
    }
    return series;
  }

  /** The tag and the compressed bytes of a shared answer's body, kept with the cache entry while its text is the same. */
  private sharedForm(answer: CachedAnswer, text: string): SharedForm {
    let form = this.shared.get(answer);
    if (form?.text !== text) {
      form = { text, etag: weakEtag(text), compressed: {} };
      this.shared.set(answer, form);
    }
    return form;
  }

  private jsonOf(answer: CachedAnswer): string {
    let text = this.json.get(answer);
    if (text === undefined) {
      text = JSON.stringify(answer.data);
      this.json.set(answer, text);
    }
    return text;
  }
}

/** What a replay's source keeps on the heap, roughly, in characters (two bytes each below). */
function sourceLength(source: Replay['source']): number {
  return 'question' in source ? source.question.length : 128 + source.plan.bytes / 2;
}

interface SharedForm {
  text: string;
  etag: string;
  compressed: Partial<Record<Encoding, Promise<Buffer>>>;
}

function seriesFor(metrics: Metrics, graphqlPath: string, name: string) {
  return {
    hits: metrics.responseCacheLookups.cell({ result: 'hit', operation_name: name }),
    hitPath: metrics.hitPathAnswers.cell(),
    prepared: metrics.preparedAnswers.cell(),
    requested: metrics.queryCost.labels({ kind: 'requested' }),
    actual: metrics.queryCost.labels({ kind: 'actual' }),
    operation: metrics.operationDuration.labels({ operation_type: 'query', operation_name: name }),
    http: metrics.httpDuration.labels({ route: graphqlPath, status: '200' }),
  };
}
type Series = ReturnType<typeof seriesFor>;

async function* once(body: Buffer) {
  yield body;
}

/** A request's headers as a Fetch Request's `headers.get` reads them (a repeated header joined with ", "). */
function nodeHeaders(req: IncomingMessage): { get(name: string): string | null } {
  return {
    get(name) {
      const value = req.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** The whole body of `length` bytes (Node's parser never delivers more than Content-Length); undefined if the client went away. */
function readBody(req: IncomingMessage, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks, length)));
    req.once('aborted', () => resolve(undefined));
    req.once('error', reject);
  });
}
