import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flood } from '../helpers/flood.ts';
import { type ProductionServer, startProductionServer, stillServes } from './helpers/production-server.ts';

const CACHE_MEMORY_MAX_MB = 16; // the default
const STATIONS = readFileSync(new URL('../../python/data/tube_stations.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',')[0]!);
const COMMUTES = `query Commutes($to: ID!) { areas(first: 33) { nodes { code commute(to: $to) { minutes changes } } } }`;
const RECOMMEND = `query Recommend($input: RecommendationInput!) { recommendations(input: $input) { total commuteTo { id name }
  results { rank score price area { code name } commute { minutes changes } } excluded { area { code } reason { code } } } }`;

describe('memory under a cache-filling run', () => {
  let server: ProductionServer;
  let peakRss = 0;
  let sampler: NodeJS.Timeout;
  beforeAll(async () => {
    server = await startProductionServer({ RATE_LIMIT_POINTS_PER_MINUTE: '100000000', RATE_LIMIT_POINTS_PER_DAY: '1000000000' });
    sampler = setInterval(() => (peakRss = Math.max(peakRss, server.rssMb())), 100);
  });
  afterAll(async () => {
    clearInterval(sampler);
    await server?.stop();
  });

  it('holds the cache to CACHE_MEMORY_MAX_MB of heap and node + python under 250 MB', async () => {
    // First what other attacks leave behind: distinct unparsable 95 KB bodies (Yoga kept 1,024 of them,
    // 98 MB), unknown paths and operation names (metric series), distinct documents (compiled code).
    await flood(400, 8, async (i) => {
      const { status } = await server.gql(`{ a${i} # ${'x'.repeat(95_000)}\n`);
      expect(status).toBeLessThan(500);
    });
    await flood(2_000, 20, async (i) => {
      await (await fetch(`${server.url}/unknown-${i}`)).arrayBuffer();
    });
    await flood(500, 20, async (i) => {
      await server.gql(`query Named${i} { __typename }`);
    });
    // 1,100 distinct valid documents of 14 aliases each: each compiled by graphql-jit would keep about 1 MB
    // (about 200 of them ran the heap out before compiling waited for a document's second run).
    const fields = ['name', 'housing { medianRentAll averagePrice }', 'safety { rank crimeRatePer1000 }', 'schools { gcse5acPct }'];
    await flood(1_100, 8, async (k) => {
      const aliases = Array.from(
        { length: 14 },
        (_, a) =>
          `a${a}: areas(first: ${1 + ((k + a) % 3)}) { nodes { code ${fields.filter((_, f) => ((k >> f) + a) % 2 === 0).join(' ')} } }`,
      ).join(' ');
      const { status, body } = await server.gql(`query Distinct${k} { ${aliases} }`);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
    });

    let failures = 0;
    // Every commute from every borough to every station (9,966 entries), then 1,000 distinct rankings of all
    // 33 boroughs (up to 22 KB of JSON each): several times what the cache may hold, so it evicts.
    await flood(STATIONS.length, 4, async (i) => {
      const { body } = await server.gql(COMMUTES, { to: STATIONS[i] });
      if (body.errors) failures += 1;
    });
    await flood(1_000, 4, async (i) => {
      const input = {
        persona: ['STUDENT', 'PARENT', 'DEVELOPER'][i % 3],
        locationType: 'RENT',
        budget: 600 + i,
        limit: 33,
        commuteTo: STATIONS[i % STATIONS.length],
      };
      const { body } = await server.gql(RECOMMEND, { input });
      if (body.errors) failures += 1;
    });
    expect(failures).toBe(0);

    const text = await server.metrics();
    const held = Number(/^veo_cache_memory_bytes (\S+)/m.exec(text)![1]) / (1024 * 1024);
    expect(held).toBeLessThanOrEqual(CACHE_MEMORY_MAX_MB);
    expect(held).toBeGreaterThan(CACHE_MEMORY_MAX_MB * 0.9);
    peakRss = Math.max(peakRss, server.rssMb());
    expect(peakRss).toBeLessThan(250);

    const { ok, ms } = await stillServes(server);
    expect(ok).toBe(true);
    expect(ms).toBeLessThan(1_000);
  }, 240_000);
});
