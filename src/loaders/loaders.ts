import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { type Cache, type CacheStats, NOT_FRESH } from '../cache/cache.ts';
import { ALL_AREAS, type CacheKind } from '../config/cache-kinds.ts';
import { fromEngineError, userError } from '../errors.ts';
import { MAX_IDS_PER_CALL, questionId, rememberJobs } from '../explanations/keys.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { inSpan, recording } from '../lib/spans.ts';
import type {
  Area,
  Commute,
  Crime,
  ExplanationRequest,
  Job,
  Persona,
  RecommendInput,
  RecommendResult,
  Schools,
  Station,
} from '../modal/contract.ts';
import type { Engine } from '../modal/engine.ts';
import { FreshFirst, settled } from './fresh-first.ts';
import { LazyLoader } from './lazy-loader.ts';

export interface CommuteKey {
  from: string;
  to: number;
}

/** What one request cost: its cache outcomes and its engine calls (for its log line and extensions). */
export interface RequestStats extends CacheStats {
  engineCalls: number;
}

export function newRequestStats(): RequestStats {
  return { hits: 0, misses: 0, stale: new Map(), read: new Map(), unsettled: false, engineCalls: 0 };
}

export interface LoaderOptions {
  /** Warming: fetch everything and overwrite the cache. */
  refresh?: boolean;
  /** The client's hourly budget of new explanation jobs: charged before a submit, refunded for jobs that did not start. */
  explanationBudget?: { charge(jobs: number): Promise<void>; refund(jobs: number): Promise<void> };
}

type Batch<K, V> = (keys: readonly K[]) => Promise<(V | Error)[]>;

/**
 * A batch function whose failures are coded once, here: an engine failure, of the whole batch or of one
 * key, rejects the key's load with the GraphQL error its field answers (errors.ts), so a resolver only loads.
 * `fieldPrefix`: the argument the engine's field paths sit in (see fromEngineError). In a traced request each
 * batch is a span named for its loader, with the engine calls and cache lookups it makes under it.
 */
function coded<K, V>(loader: string, batch: Batch<K, V>, fieldPrefix?: string): Batch<K, V> {
  const run = async (keys: readonly K[]) => {
    try {
      return (await batch(keys)).map((value) => (value instanceof Error ? fromEngineError(value, fieldPrefix) : value));
    } catch (error) {
      throw fromEngineError(error, fieldPrefix);
    }
  };
  // Untraced (the usual case), the span's name and attributes are not even built.
  return (keys) =>
    recording() ? inSpan(`loader ${loader}`, { 'veo.loader': loader, 'veo.loader.keys': keys.length }, () => run(keys)) : run(keys);
}

/**
 * The loaders of ONE request: the one way resolvers reach data. Each kind reads the cache for its whole
 * batch in one round trip, sends only the misses to the engine in one call, and asks once for a key that
 * appears many times; a failure rejects with a coded GraphQL error.
 */
export function createLoaders(engine: Engine, cache: Cache, stats: RequestStats, options: LoaderOptions = {}) {
  /** A coded DataLoader batch function over the cache: `fetch` gets only the ids the cache did not have. */
  function cached<K, V>(
    loader: string,
    kind: CacheKind,
    idOf: (key: K) => string,
    fetch: (keys: K[]) => Promise<readonly V[]>,
    fieldPrefix?: string,
  ) {
    return coded(
      loader,
      async (keys: readonly K[]): Promise<(V | Error)[]> => {
        const lookups = await cache.load<V>(
          kind,
          keys.map(idOf),
          (ids) => {
            stats.engineCalls += 1;
            const byId = new Map(keys.map((key) => [idOf(key), key]));
            return fetch(ids.map((id) => byId.get(id)!));
          },
          stats,
          { refresh: options.refresh },
        );
        return lookups.map((lookup) => (lookup instanceof Error ? lookup : lookup.value));
      },
      fieldPrefix,
    );
  }

  /**
   * A cached kind's loader (fresh-first.ts): a fresh copy in memory answered at once, every other key through
   * a DataLoader over `cached`. Warming (`refresh`) and a traced request (each lookup a span) always take the
   * DataLoader.
   */
  function cachedLoader<K, V, C = K>(
    loader: string,
    kind: CacheKind,
    idOf: (key: K) => string,
    fetch: (keys: K[]) => Promise<readonly V[]>,
    { fieldPrefix, cacheKeyFn }: { fieldPrefix?: string; cacheKeyFn?: (key: K) => C } = {},
  ): FreshFirst<K, V, C> {
    const peek = (id: string) => (options.refresh || recording() ? NOT_FRESH : cache.peek<V>(kind, id, stats));
    return new FreshFirst<K, V, C>(
      idOf,
      peek,
      () => new DataLoader<K, V, C>(cached(loader, kind, idOf, fetch, fieldPrefix), cacheKeyFn ? { cacheKeyFn } : {}),
    );
  }

  const areaByCode = cachedLoader<string, Area | null>('area', 'area', String, async (codes) => (await engine.areas(codes)).areas);
  /** The areas `allAreas` read in this request, then by code once a lookup by code asks: answered from them. */
  let listedAreas: readonly Area[] | undefined;
  let listed: Map<string, Area> | undefined;
  const area = {
    load(code: string): Area | null | Promise<Area | null> {
      if (!listed && listedAreas) listed = new Map(listedAreas.map((a) => [a.code, a]));
      return listed?.get(code) ?? areaByCode.load(code);
    },
    loadMany(codes: readonly string[]): Promise<(Area | null | Error)[]> {
      return Promise.all(codes.map((code) => settled(() => area.load(code))));
    },
  };
  const station = cachedLoader<number, Station | null>(
    'station',
    'station',
    String,
    async (ids) => (await engine.stations({ ids })).stations,
  );
  const everyArea = cachedLoader<'all', Area[]>(
    'allAreas',
    'area',
    () => ALL_AREAS,
    async () => {
      const areas = (await engine.areas()).areas.filter((a): a is Area => a !== null);
      // The same answer serves later lookups by code, on every instance.
      await cache.store(
        'area',
        areas.map((a) => ({ id: a.code, value: a })),
      );
      return [areas];
    },
  );

  /**
   * Jobs by engine id; only finished ones are cached (rememberJobs writes them; a PENDING one is asked
   * again). `rebuild` lets the engine start again a job it does not hold: only for ids this server signed
   * (their start was charged); any other id reads a job that exists and never starts one.
   */
  const explanationStatus = new LazyLoader(
    () =>
      new DataLoader<JobLookup, Job | null, string>(
        coded('explanationStatus', async (keys) => {
          const rebuild = new Set(keys.filter((k) => k.rebuild).map((k) => k.id));
          const ids = [...new Set(keys.map((k) => k.id))];
          const askedToRebuild = new Set<string>();
          const status = async (batch: string[], withRebuild: boolean): Promise<(Job | null)[]> => {
            if (batch.length === 0) return [];
            if (withRebuild) for (const id of batch) askedToRebuild.add(id);
            stats.engineCalls += 1;
            const { jobs } = await engine.explanationStatus(batch, { rebuild: withRebuild });
            await rememberJobs(cache, jobs);
            return jobs;
          };
          const lookups = await cache.load<Job | null>(
            'explanation',
            ids.map((id) => `job:${id}`),
            async (missing) => {
              const engineIds = missing.map((k) => k.slice('job:'.length));
              const [rebuilt, read] = await Promise.all([
                status(
                  engineIds.filter((id) => rebuild.has(id)),
                  true,
                ),
                status(
                  engineIds.filter((id) => !rebuild.has(id)),
                  false,
                ),
              ]);
              return engineIds.map((id) => (rebuild.has(id) ? rebuilt.shift()! : read.shift()!) ?? null);
            },
            stats,
            { refresh: options.refresh, write: false },
          );
          const byId = new Map(ids.map((id, i) => [id, lookups[i]!]));
          // A signed id that shared another request's read-only call (single flight) got null for a job the
          // engine lost: ask once more, allowed to rebuild.
          const lost = ids.filter((id) => {
            const l = byId.get(id)!;
            return rebuild.has(id) && !askedToRebuild.has(id) && !(l instanceof Error) && l.value === null;
          });
          if (lost.length > 0) {
            const again = await status(lost, true).catch((error: Error) => lost.map(() => error));
            lost.forEach((id, i) => {
              byId.set(id, again[i] instanceof Error ? again[i] : { value: again[i] ?? null, stale: false, cached: false });
            });
          }
          return keys.map((k) => {
            const l = byId.get(k.id)!;
            return l instanceof Error ? l : l.value;
          });
        }),
        { cacheKeyFn: (k) => `${k.rebuild ? 'rebuild' : 'read'}:${k.id}`, maxBatchSize: MAX_IDS_PER_CALL },
      ),
  );

  /** The questions (by index) whose borough or commute station does not exist, each with its error. */
  async function unknownPlaces(requests: readonly ExplanationRequest[]): Promise<Map<number, GraphQLError>> {
    const stationIds = requests.map((r) => r.context?.commuteTo);
    const [areas, stations] = await Promise.all([
      area.loadMany(requests.map((r) => r.areaCode)),
      station.loadMany(stationIds.filter((id): id is number => id != null)),
    ]);
    const stationOf = new Map(stationIds.filter((id): id is number => id != null).map((id, i) => [id, stations[i]]));
    const unknown = new Map<number, GraphQLError>();
    requests.forEach((r, i) => {
      // A lookup that failed (engine away) is not a verdict: the submit will say what is wrong.
      if (areas[i] === null) unknown.set(i, userError(`No borough has the code ${r.areaCode}.`, 'areaCode'));
      else if (r.context?.commuteTo != null && stationOf.get(r.context.commuteTo) === null) {
        unknown.set(i, userError(`No station has the code ${r.context.commuteTo}.`, 'context.commuteTo'));
      }
    });
    return unknown;
  }

  return {
    area,
    station,
    /** Every area in one lookup; later lookups by code in the request are answered from it (not primed one by one: a dashboard never makes one). */
    allAreas: {
      async load() {
        const areas = await everyArea.load(ALL_AREAS);
        listedAreas ??= areas;
        return areas;
      },
    },
    crime: cachedLoader<string, Crime | null>('crime', 'crime', String, async (codes) => (await engine.crime(codes)).crime),
    schools: cachedLoader<string, Schools | null>('schools', 'schools', String, async (codes) => (await engine.schools(codes)).schools),
    commute: cachedLoader<CommuteKey, Commute | null, string>(
      'commute',
      'commute',
      commuteId,
      async (pairs) => (await engine.commute(pairs)).commutes,
      { cacheKeyFn: commuteId },
    ),
    /** Station search results, primed into `station`. */
    stationSearch: cachedLoader<string, Station[]>(
      'stationSearch',
      'station',
      (q) => `search:${q}`,
      (queries) =>
        // Searches are rare and distinct, so each is its own call; the cache makes repeats free.
        Promise.all(
          queries.map(async (q) => (await engine.stations(q ? { search: q } : {})).stations.filter((s): s is Station => s !== null)),
        ),
    ),
    // The engine ranks one question per call; the loader still asks each distinct question once.
    // Questions come from `recommendations(input:)`: the engine's field `budget` is the client's `input.budget`.
    recommendation: cachedLoader<RecommendInput, RecommendResult, string>(
      'recommendation',
      'recommendation',
      recommendationId,
      (inputs) => Promise.all(inputs.map((input) => engine.recommend(input))),
      { fieldPrefix: 'input', cacheKeyFn: canonicalJson },
    ),
    personas: cachedLoader<'all', Persona[]>(
      'personas',
      'persona',
      () => 'all',
      async () => [(await engine.personas()).personas],
    ),
    explanationStatus,
    /**
     * The job for each question, submitting all the new ones in ONE engine call. A finished (or just
     * started) job comes from the cache and costs nothing; new jobs are charged first, together.
     */
    explanation: new LazyLoader(
      () =>
        new DataLoader<ExplanationRequest, Job | null, string>(
          coded('explanation', async (all) => {
            // A question about a borough or station that does not exist would be charged, then refused by the
            // engine together with every other question of its batch: refuse it here, alone, uncharged.
            const unknown = await unknownPlaces(all);
            const requests = all.filter((_, i) => !unknown.has(i));
            const budget = options.explanationBudget;
            const byId = new Map(requests.map((r) => [questionId(r), r]));
            const lookups = await cache.load<Job | null>(
              'explanation',
              [...byId.keys()],
              async (ids) => {
                await budget?.charge(ids.length);
                stats.engineCalls += 1;
                const refund = (jobs: number) => budget?.refund(jobs).catch(() => {});
                let jobs: (Job | null)[];
                try {
                  ({ jobs } = await engine.submitExplanations(ids.map((id) => byId.get(id)!)));
                } catch (error) {
                  await refund(ids.length);
                  throw error;
                }
                // Only new work is paid for: a job the engine already held finished (the cache had forgotten
                // it) started nothing.
                await refund(jobs.filter((job) => !job || job.status === 'READY').length);
                return jobs;
              },
              stats,
              { refresh: options.refresh },
            );
            // A job the cache remembered as running may have finished since: ask for those (one status call).
            // These jobs were started by a charged submit, so the engine may rebuild one it lost.
            const stillRunning = lookups.flatMap((l) =>
              !(l instanceof Error) && l.cached && l.value?.status === 'PENDING' ? [l.value.id] : [],
            );
            const now = new Map<string, Job | Error | null>();
            if (stillRunning.length > 0) {
              const fresh = await explanationStatus.loadMany(stillRunning.map((id) => ({ id, rebuild: true })));
              stillRunning.forEach((id, i) => {
                now.set(id, fresh[i]!);
              });
            }
            const byRequest = new Map([...byId.keys()].map((id, i) => [id, lookups[i]!]));
            return all.map((r, i) => {
              const refused = unknown.get(i);
              if (refused) return refused;
              const lookup = byRequest.get(questionId(r))!;
              if (lookup instanceof Error) return lookup;
              const latest = lookup.value && now.get(lookup.value.id);
              return latest && !(latest instanceof Error) ? latest : lookup.value;
            });
          }),
          // The engine takes at most this many questions a call; each batch is charged on its own.
          { cacheKeyFn: questionId, maxBatchSize: MAX_IDS_PER_CALL },
        ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** A job looked up by its engine id; `rebuild` only for ids whose start this server charged. */
export interface JobLookup {
  id: string;
  rebuild: boolean;
}

function commuteId(key: CommuteKey): string {
  return `${key.from}>${key.to}`;
}

/** The same question, however it was written, hashes to the same id. */
function recommendationId(input: RecommendInput): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex').slice(0, 32);
}
