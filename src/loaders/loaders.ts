import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import type { Cache } from '../cache/cache.ts';
import { ALL_AREAS } from '../config/cache-kinds.ts';
import { userError } from '../errors.ts';
import { MAX_IDS_PER_CALL, questionId, rememberJobs } from '../explanations/keys.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
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
import { type CachedKind, coded, type LoaderScope, type RequestStats } from './batch.ts';
import { FreshFirst, settled } from './fresh-first.ts';
import { LazyLoader } from './lazy-loader.ts';

interface CommuteKey {
  from: string;
  to: number;
}

export type { RequestStats };

export function newRequestStats(): RequestStats {
  return { hits: 0, misses: 0, stale: new Map(), read: new Map(), unsettled: false, engineCalls: 0 };
}

export interface LoaderOptions {
  /** Warming: fetch everything and overwrite the cache. */
  refresh?: boolean;
  /** The client's hourly budget of new explanation jobs: charged before a submit, refunded for jobs that did not start. */
  explanationBudget?: { charge(jobs: number): Promise<void>; refund(jobs: number): Promise<void> };
}

// The cached kinds' lookups, made once for every request (batch.ts).
const AREA: CachedKind<string, Area | null> = {
  loader: 'area',
  kind: 'area',
  idOf: String,
  fetch: async ({ engine }, codes) => (await engine.areas(codes)).areas,
};
const EVERY_AREA: CachedKind<'all', Area[]> = {
  loader: 'allAreas',
  kind: 'area',
  idOf: () => ALL_AREAS,
  fetch: async ({ engine, cache }) => {
    const areas = (await engine.areas()).areas.filter((a): a is Area => a !== null);
    // The same answer serves later lookups by code, on every instance.
    await cache.store(
      'area',
      areas.map((a) => ({ id: a.code, value: a })),
    );
    return [areas];
  },
};
const STATION: CachedKind<number, Station | null> = {
  loader: 'station',
  kind: 'station',
  idOf: String,
  fetch: async ({ engine }, ids) => (await engine.stations({ ids })).stations,
};
const CRIME: CachedKind<string, Crime | null> = {
  loader: 'crime',
  kind: 'crime',
  idOf: String,
  fetch: async ({ engine }, codes) => (await engine.crime(codes)).crime,
};
const SCHOOLS: CachedKind<string, Schools | null> = {
  loader: 'schools',
  kind: 'schools',
  idOf: String,
  fetch: async ({ engine }, codes) => (await engine.schools(codes)).schools,
};
const COMMUTE: CachedKind<CommuteKey, Commute | null, string> = {
  loader: 'commute',
  kind: 'commute',
  idOf: commuteId,
  fetch: async ({ engine }, pairs) => (await engine.commute(pairs)).commutes,
  cacheKeyFn: commuteId,
};
const STATION_SEARCH: CachedKind<string, Station[]> = {
  loader: 'stationSearch',
  kind: 'station',
  idOf: (q) => `search:${q}`,
  // Searches are rare and distinct, so each is its own call; the cache makes repeats free.
  fetch: ({ engine }, queries) =>
    Promise.all(queries.map(async (q) => (await engine.stations(q ? { search: q } : {})).stations.filter((s): s is Station => s !== null))),
};
// The engine ranks one question per call; the loader still asks each distinct question once.
// Questions come from `recommendations(input:)`: the engine's field `budget` is the client's `input.budget`.
const RECOMMENDATION: CachedKind<RecommendInput, RecommendResult, string> = {
  loader: 'recommendation',
  kind: 'recommendation',
  idOf: recommendationId,
  fetch: ({ engine }, inputs) => Promise.all(inputs.map((input) => engine.recommend(input))),
  fieldPrefix: 'input',
  cacheKeyFn: canonicalJson,
};
const PERSONAS: CachedKind<'all', Persona[]> = {
  loader: 'personas',
  kind: 'persona',
  idOf: () => 'all',
  fetch: async ({ engine }) => [(await engine.personas()).personas],
};

/** Areas by code; answered from the list of every area once this request has read it. */
class AreasByCode {
  /** The areas `allAreas` read in this request, then by code once a lookup by code asks. */
  listedAreas: readonly Area[] | undefined;
  private listed: Map<string, Area> | undefined;

  constructor(private readonly byCode: FreshFirst<string, Area | null>) {}

  load(code: string): Area | null | Promise<Area | null> {
    if (!this.listed && this.listedAreas) this.listed = new Map(this.listedAreas.map((a) => [a.code, a]));
    return this.listed?.get(code) ?? this.byCode.load(code);
  }

  loadMany(codes: readonly string[]): Promise<(Area | null | Error)[]> {
    return Promise.all(codes.map((code) => settled(() => this.load(code))));
  }
}

/** Every area in one lookup; later lookups by code in the request are answered from it (not primed one by one: a dashboard never makes one). */
class AllAreas {
  constructor(
    private readonly every: FreshFirst<'all', Area[]>,
    private readonly byCode: AreasByCode,
  ) {}

  async load(): Promise<Area[]> {
    const areas = await this.every.load(ALL_AREAS);
    this.byCode.listedAreas ??= areas;
    return areas;
  }
}

/**
 * The loaders of ONE request: the one way resolvers reach data. Each kind reads the cache for its whole
 * batch in one round trip, sends only the misses to the engine in one call, and asks once for a key that
 * appears many times; a failure rejects with a coded GraphQL error. A fresh copy in memory is answered at
 * once (fresh-first.ts).
 */
export function createLoaders(engine: Engine, cache: Cache, stats: RequestStats, options: LoaderOptions = {}) {
  const scope: LoaderScope = { engine, cache, stats, refresh: options.refresh === true };
  const area = new AreasByCode(new FreshFirst(AREA, scope));
  const station = new FreshFirst(STATION, scope);

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
    allAreas: new AllAreas(new FreshFirst(EVERY_AREA, scope), area),
    crime: new FreshFirst(CRIME, scope),
    schools: new FreshFirst(SCHOOLS, scope),
    commute: new FreshFirst(COMMUTE, scope),
    /** Station search results, primed into `station`. */
    stationSearch: new FreshFirst(STATION_SEARCH, scope),
    recommendation: new FreshFirst(RECOMMENDATION, scope),
    personas: new FreshFirst(PERSONAS, scope),
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
