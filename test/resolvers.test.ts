// The resolvers with logic of their own (src/resolvers/), each called as a function with a context that
// holds only what it reads: fake loaders, or real loaders over a fake engine.
import { type GraphQLResolveInfo, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { Cache } from '../src/cache/cache.ts';
import { MemoryStore } from '../src/cache/memory-store.ts';
import { cacheKinds } from '../src/config/cache-kinds.ts';
import { loadConfig } from '../src/config/config.ts';
import type { Context } from '../src/context.ts';
import { explanationIds } from '../src/explanations/ids.ts';
import type { Area, Job, Station } from '../src/modal/contract.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { estimateCost } from '../src/ratelimit/cost.ts';
import { createRateLimits } from '../src/ratelimit/create-rate-limits.ts';
import { invalidateCache, warmCache } from '../src/resolvers/admin.ts';
import { areas, rentFor } from '../src/resolvers/areas.ts';
import { explain, explanation, toContext } from '../src/resolvers/explanations.ts';
import { health } from '../src/resolvers/health.ts';
import { encodeCursor, paginate } from '../src/resolvers/pagination.ts';
import { rateLimit } from '../src/resolvers/rate-limit.ts';
import { toEngineInput } from '../src/resolvers/recommendations.ts';
import { stationList, stations } from '../src/resolvers/stations.ts';
import { schema } from '../src/schema/index.ts';

const config = loadConfig({});
/** A context with `parts` and nothing else a resolver under test should read. */
const contextWith = (parts: Record<string, unknown>) => ({ config, ...parts }) as unknown as Context;
const codeOf = async (error: Promise<unknown>) =>
  ((await error.catch((e: unknown) => e)) as { extensions?: { code?: string } }).extensions?.code;

/** An area with the figures the filters and orders read; the rest of its shape is not looked at. */
function area(code: string, name: string, figures: { rent1bed?: number | null; price?: number | null; ptal?: number | null }) {
  return {
    code,
    name,
    innerOuter: 'inner',
    population: 1000,
    densityPerHectare: 10,
    housing: {
      averagePrice: figures.price ?? null,
      priceChange5yPct: null,
      medianRentAll: figures.rent1bed ?? null,
      rents: [{ size: '1bed', median: figures.rent1bed ?? null }],
    },
    transport: { ptal: figures.ptal ?? null },
    environment: { greenspacePct: null },
  } as unknown as Area;
}

describe('resolvers/areas', () => {
  const all = [
    area('E3', 'Cheap', { rent1bed: 900, price: 300_000, ptal: 2 }),
    area('E1', 'Dear', { rent1bed: 2000, price: 900_000, ptal: 6 }),
    area('E2', 'Unknown', { rent1bed: null, price: null, ptal: null }),
  ];
  const ctx = contextWith({ loaders: { allAreas: { load: async () => all } } });

  it('filters on the figures, leaving out an area without the figure filtered on', async () => {
    const page = await areas(ctx, { filter: { maxRent: { size: '1bed', max: 1000 } } });
    expect(page.nodes.map((a) => a.code)).toEqual(['E3']);
    expect((await areas(ctx, { filter: { minPtal: 3 } })).nodes.map((a) => a.code)).toEqual(['E1']);
    expect((await areas(ctx, { filter: { nameContains: 'de', codes: ['E1', 'E2'] } })).nodes.map((a) => a.code)).toEqual(['E1']);
  });

  it('orders by name by default, and puts a missing figure last in either direction', async () => {
    expect((await areas(ctx, {})).nodes.map((a) => a.name)).toEqual(['Cheap', 'Dear', 'Unknown']);
    expect((await areas(ctx, { orderBy: { field: 'PTAL', direction: 'DESC' } })).nodes.map((a) => a.code)).toEqual(['E1', 'E3', 'E2']);
    expect((await areas(ctx, { orderBy: { field: 'AVERAGE_PRICE' } })).nodes.map((a) => a.code)).toEqual(['E3', 'E1', 'E2']);
  });

  it('pages with the cursor of the last area seen', async () => {
    const first = await areas(ctx, { orderBy: { field: 'CODE' }, first: 2 });
    expect(first.nodes.map((a) => a.code)).toEqual(['E1', 'E2']);
    const next = await areas(ctx, { orderBy: { field: 'CODE' }, first: 2, after: first.pageInfo.endCursor });
    expect(next.nodes.map((a) => a.code)).toEqual(['E3']);
    expect(next.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('finds the rents of one size', () => {
    expect(rentFor(all[0]!.housing, '1bed')).toEqual({ size: '1bed', median: 900 });
    expect(rentFor(all[0]!.housing, 'room')).toBeNull();
  });
});

describe('resolvers/pagination', () => {
  it('answers a Relay connection over the items in their order', () => {
    const page = paginate(['a', 'b', 'c', 'd'], 2, encodeCursor(0));
    expect(page).toEqual({
      edges: [
        { cursor: encodeCursor(1), node: 'b' },
        { cursor: encodeCursor(2), node: 'c' },
      ],
      nodes: ['b', 'c'],
      totalCount: 4,
      pageInfo: { hasNextPage: true, hasPreviousPage: true, startCursor: encodeCursor(1), endCursor: encodeCursor(2) },
    });
  });

  it('refuses a cursor it did not hand out', () => {
    expect(() => paginate(['a'], 1, 'not-a-cursor')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }) }),
    );
  });
});

describe('resolvers/stations', () => {
  const bank = { id: 13, name: 'Bank' } as Station;
  const angel = { id: 7, name: 'Angel' } as Station;

  it('answers the first stations of a search (case-insensitive) and primes them for lookups by id', async () => {
    const asked: string[] = [];
    const primed: number[] = [];
    const ctx = contextWith({
      loaders: {
        stationSearch: {
          load: async (q: string) => {
            asked.push(q);
            return [bank, angel];
          },
        },
        station: { prime: (id: number) => primed.push(id) },
      },
    });
    expect(await stations(ctx, 'BaNk', 1)).toEqual([bank]);
    expect(asked).toEqual(['bank']);
    expect(primed).toEqual([13]);
  });

  it('lists stations in the order asked, leaving out unknown ids and failing with the first failure', async () => {
    const failure = new Error('coded by the loader');
    const byId = new Map<number, Station | Error | null>([
      [13, bank],
      [7, angel],
      [1, null],
      [2, failure],
    ]);
    const ctx = contextWith({ loaders: { station: { loadMany: async (ids: number[]) => ids.map((id) => byId.get(id)!) } } });
    expect(await stationList(ctx, [7, 1, 13])).toEqual([angel, bank]);
    await expect(stationList(ctx, [7, 2])).rejects.toBe(failure);
  });
});

describe('resolvers/recommendations', () => {
  it('drops nulls, sends a size only when renting and a station as a number, so equal questions are equal keys', () => {
    expect(
      toEngineInput({
        persona: 'student',
        budget: 900,
        locationType: 'buy',
        size: 'room',
        commuteTo: '145',
        maxCommuteMinutes: null,
        weights: { safety: 2, schools: null },
        limit: null,
      }),
    ).toEqual({ persona: 'student', budget: 900, locationType: 'buy', commuteTo: 145, weights: { safety: 2 } });
    expect(toEngineInput({ persona: 'parent', budget: 2500, locationType: 'rent', size: '3bed', weights: { safety: null } })).toEqual({
      persona: 'parent',
      budget: 2500,
      locationType: 'rent',
      size: '3bed',
    });
  });
});

describe('resolvers/explanations', () => {
  const ids = explanationIds(config.explanations.idSecrets);
  const job = (status: Job['status']) => ({ id: 'engine-job-1', status }) as Job;
  /** The resolve info of `explanation` in `document`, as graphql-js would pass it. */
  const infoOf = (document: string) => {
    const operation = parse(document).definitions[0];
    return { path: { key: 'explanation', prev: undefined }, operation, fragments: {}, variableValues: {} } as unknown as GraphQLResolveInfo;
  };

  it('lets the engine rebuild a job only for a key this server signed, and never for a read-only lookup', async () => {
    const asked: unknown[] = [];
    const load = async (lookup: unknown) => {
      asked.push(lookup);
      return null;
    };
    const ctx = contextWith({ loaders: { explanationStatus: { load } } });
    await explanation(ctx, ids.sign('engine-job-1'), { mayRebuild: true });
    await explanation(ctx, 'engine-job-1', { mayRebuild: true });
    await explanation(ctx, `engine-job-1.${'0'.repeat(43)}`, { mayRebuild: true });
    await explanation(ctx, ids.sign('engine-job-1'), { mayRebuild: false });
    expect(asked).toEqual([
      { id: 'engine-job-1', rebuild: true },
      { id: 'engine-job-1', rebuild: false },
      { id: 'engine-job-1', rebuild: false },
      { id: 'engine-job-1', rebuild: false },
    ]);
  });

  it('waits for a running job only under @defer, as a job whose start was charged', async () => {
    const waits: unknown[] = [];
    const ctx = contextWith({
      loaders: { explanation: { load: async () => job('PENDING') } },
      explanations: {
        waitFor: async (...args: unknown[]) => {
          waits.push(args);
          return job('READY');
        },
      },
    });
    const request = { areaCode: 'E09000007', persona: 'parent' as const };
    expect(await explain(ctx, request, infoOf('{ explanation { id } }'))).toEqual(job('PENDING'));
    expect(waits).toEqual([]);
    expect(await explain(ctx, request, infoOf('{ ... @defer { explanation { id } } }'))).toEqual(job('READY'));
    expect(waits).toEqual([['engine-job-1', config.explanations.deferWaitMs, job('PENDING'), { rebuild: true }]]);
  });

  it('turns the GraphQL context input into the engine question, without its nulls', () => {
    expect(toContext(null)).toEqual({});
    expect(toContext({ budget: 1200, locationType: null, size: '2bed', commuteTo: '145' })).toEqual({
      budget: 1200,
      size: '2bed',
      commuteTo: 145,
    });
  });
});

describe('resolvers/health', () => {
  const engineHandle = (answer: () => Promise<unknown>) => ({
    engine: { health: answer },
    describe: () => ({ mode: 'local', active: 'local' }),
  });
  const cacheProbe = (ping: () => Promise<void>) => ({ tiers: ['memory', 'redis'], redisState: 'closed', ping });

  it('is ok when the engine and the cache answer, and degraded when either does not', async () => {
    const up = engineHandle(async () => ({ version: '1', dataVersion: 'd' }));
    const down = engineHandle(() => Promise.reject(new Error('refused')));
    const ok = await health(contextWith({ engine: up, cache: cacheProbe(async () => {}) }));
    expect(ok).toMatchObject({ status: 'ok', engine: { status: 'UP', version: '1' }, cache: { status: 'UP', redis: 'UP' } });
    const noEngine = await health(contextWith({ engine: down, cache: cacheProbe(async () => {}) }));
    expect(noEngine).toMatchObject({ status: 'degraded', engine: { status: 'DOWN', error: 'refused' } });
    const noRedis = await health(contextWith({ engine: up, cache: cacheProbe(() => Promise.reject(new Error('timeout'))) }));
    expect(noRedis).toMatchObject({ status: 'degraded', cache: { status: 'DEGRADED', redis: 'DOWN' } });
  });
});

describe('resolvers/rate-limit', () => {
  const ctx = contextWith({
    client: { id: 'ip:192.0.2.1', tier: 'anonymous' },
    rateLimits: createRateLimits(config, createMetrics(), () => {}),
  });
  const anonymous = config.rateLimit.tiers.anonymous!;

  it("answers the caller's full budgets and what a query would cost, charging nothing", async () => {
    const query = '{ area(code: "E09000007") { name safety { rank } } }';
    const answer = await rateLimit(ctx, schema, query);
    expect(answer).toMatchObject({ client: 'ip:192.0.2.1', tier: 'anonymous', maxQueryCost: config.rateLimit.maxQueryCost });
    expect(answer.budgets.map((b) => [b.name, b.limit, b.remaining])).toEqual([
      ['minute', anonymous.perMinute, anonymous.perMinute],
      ['day', anonymous.perDay, anonymous.perDay],
      ['explanations', anonymous.explanationsPerHour, anonymous.explanationsPerHour],
    ]);
    expect(answer.query).toEqual({
      requestedQueryCost: estimateCost(schema, parse(query), undefined, {}),
      withinMaximum: true,
      affordableNow: true,
      errors: [],
    });
    // Pricing spent nothing.
    expect((await rateLimit(ctx, schema)).budgets[0]!.remaining).toBe(anonymous.perMinute);
  });

  it('answers why a document cannot be priced, and refuses variables that are not JSON', async () => {
    const invalid = await rateLimit(ctx, schema, '{ nowhere }');
    expect(invalid.query).toMatchObject({ requestedQueryCost: null, withinMaximum: false, affordableNow: false });
    expect(invalid.query!.errors).toHaveLength(1);
    expect(await codeOf(rateLimit(ctx, schema, '{ health { status } }', '{not json'))).toBe('BAD_USER_INPUT');
  });
});

describe('resolvers/admin', () => {
  function cache() {
    const ttlSeconds = Object.fromEntries(cacheKinds.map((kind) => [kind, 60])) as Record<(typeof cacheKinds)[number], number>;
    return new Cache({
      prefix: 'admin',
      memory: new MemoryStore(1 << 20),
      ttlSeconds,
      staleSeconds: 60,
      memoryTtlSeconds: 5,
      redisRetryMs: 1000,
      metrics: createMetrics(),
      log: () => {},
    });
  }
  /** An engine of two areas and one station that counts its calls by route. */
  function engine() {
    const calls: Record<string, number> = {};
    const count = <T>(route: string, answer: T) => {
      calls[route] = (calls[route] ?? 0) + 1;
      return Promise.resolve(answer);
    };
    const areas = [area('E1', 'One', {}), area('E2', 'Two', {})];
    return {
      calls,
      areas: (codes?: string[]) => count('areas', { areas: codes ? areas.filter((a) => codes.includes(a.code)) : areas }),
      crime: (codes: string[]) => count('crime', { crime: codes.map((code) => ({ code })) }),
      schools: (codes: string[]) => count('schools', { schools: codes.map((code) => ({ code })) }),
      stations: (query: { ids?: number[] }) => count('stations', { stations: (query.ids ?? [7]).map((id) => ({ id, name: `S${id}` })) }),
      commute: (pairs: unknown[]) => count('commute', { commutes: pairs.map(() => null) }),
      personas: () => count('personas', { personas: [] }),
    };
  }

  it('refuses both mutations without the admin token', async () => {
    const ctx = contextWith({ admin: false, cache: cache() });
    expect(await codeOf(invalidateCache(ctx, 'area'))).toBe('FORBIDDEN');
    expect(await codeOf(warmCache(ctx))).toBe('FORBIDDEN');
  });

  /** Stands in for the response cache: what the resolvers drop from it. */
  const answers = () => {
    const dropped: unknown[] = [];
    return { dropped, invalidate: async (entities: Iterable<unknown>) => void dropped.push(...entities) };
  };

  it('invalidates the ids given, or the whole kind, with the answers built from them', async () => {
    const responseCache = answers();
    const ctx = contextWith({ admin: true, cache: cache(), responseCache });
    expect(await invalidateCache(ctx, 'crime', ['E1', 'E2'])).toEqual({ kind: 'crime', version: 1, deleted: 2 });
    expect(await invalidateCache(ctx, 'crime', null)).toEqual({ kind: 'crime', version: 2, deleted: 0 });
    expect(responseCache.dropped).toEqual([
      { typename: 'kind/crime', id: 'E1' },
      { typename: 'kind/crime', id: 'E2' },
      { typename: 'kind/crime' },
    ]);
    // An area's answers are also found by its global id; the list of every area holds it.
    responseCache.dropped.length = 0;
    await invalidateCache(ctx, 'area', ['E1']);
    expect(responseCache.dropped).toEqual([
      { typename: 'kind/area', id: 'E1' },
      { typename: 'kind/area', id: 'all' },
      { typename: 'Area', id: 'QXJlYTpFMQ' },
    ]);
  });

  it('warms every area, its figures, the stations, the personas and the commutes asked for, one call per route', async () => {
    const e = engine();
    const responseCache = answers();
    const ctx = contextWith({ admin: true, cache: cache(), engine: { engine: e }, responseCache });
    const warmed = await warmCache(ctx, null, [7]);
    // Whatever was fetched again: the answers that read it go.
    expect(responseCache.dropped).toEqual(
      expect.arrayContaining([
        { typename: 'kind/area', id: 'all' },
        { typename: 'kind/crime', id: 'E2' },
        { typename: 'kind/commute', id: 'E1>7' },
        { typename: 'kind/persona', id: 'all' },
      ]),
    );
    // The list of every area (which primes the areas themselves), two crime and two school figures, the
    // station list and its one station, two commutes, the personas.
    expect(warmed).toMatchObject({ areas: 2, warmed: 1 + 2 + 2 + 1 + 1 + 2 + 1, engineCalls: 7 });
    expect(e.calls).toEqual({ areas: 1, crime: 1, schools: 1, stations: 2, commute: 1, personas: 1 });
  });
});
