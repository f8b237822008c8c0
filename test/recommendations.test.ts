import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from './helpers/data.ts';
import { coldCalls, type GraphQLResponse, startServer, type TestServer } from './helpers/server.ts';

const rents = readCsv('rents.csv');

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const RECOMMEND = /* GraphQL */ `
  query Recommend($input: RecommendationInput!) {
    recommendations(input: $input) {
      persona size total
      results { rank score price area { code name } breakdown { factor weight rawValue score contribution missing } }
      excluded { area { code } reason { code value limit } }
    }
  }
`;

describe('recommendations', () => {
  it('ranks exactly the boroughs whose median room rent is within a student budget of 600', async () => {
    const { body } = await server.gql(RECOMMEND, { input: { persona: 'STUDENT', budget: 600, locationType: 'RENT', size: 'ROOM' } });
    expect(body.errors).toBeUndefined();
    const result = body.data!.recommendations;
    const affordable = rents.filter((r) => r.median_room !== '' && Number(r.median_room) <= 600).map((r) => r.code);
    expect(affordable.length).toBeGreaterThan(0);
    expect(result.results.map((r: any) => r.area.code).sort()).toEqual(affordable.sort());
    expect(result.total).toBe(affordable.length);

    const excluded = new Map(result.excluded.map((e: any) => [e.area.code, e.reason]));
    expect(excluded.size + affordable.length).toBe(33);
    for (const row of rents.filter((r) => !affordable.includes(r.code))) {
      const reason: any = excluded.get(row.code);
      expect(reason.code).toBe(row.median_room === '' ? 'NO_PRICE_DATA' : 'OVER_BUDGET');
    }

    const scores = result.results.map((r: any) => r.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    for (const r of result.results) {
      const total = r.breakdown.reduce((sum: number, f: any) => sum + f.contribution, 0);
      expect(total).toBeCloseTo(r.score, 0);
      expect(r.breakdown.map((f: any) => f.factor)).toContain('AFFORDABILITY');
    }
  });

  it('adds a commute factor and drops areas over the maximum commute', async () => {
    const { body } = await server.gql(RECOMMEND, {
      input: { persona: 'PARENT', budget: 3000, locationType: 'RENT', commuteTo: '145', maxCommuteMinutes: 30 },
    });
    expect(body.errors).toBeUndefined();
    const result = body.data!.recommendations;
    expect(result.size).toBe('THREE_BED');
    for (const r of result.results) expect(r.breakdown.find((f: any) => f.factor === 'COMMUTE').rawValue).toBeLessThanOrEqual(30);
    expect(result.excluded.some((e: any) => e.reason.code === 'OVER_MAX_COMMUTE')).toBe(true);
  });

  it('asks the engine once for the same question asked twice', async () => {
    const query = `query ($a: RecommendationInput!, $b: RecommendationInput!) {
      x: recommendations(input: $a) { total } y: recommendations(input: $b) { total } }`;
    const a = { persona: 'STUDENT', budget: 1200, locationType: 'RENT', size: 'STUDIO' };
    const b = { size: 'STUDIO', locationType: 'RENT', budget: 1200.0, persona: 'STUDENT' };
    const { response, calls } = await coldCalls(query, { a, b });
    expect(response.body.data!.x).toEqual(response.body.data!.y);
    expect(calls).toEqual({ recommend: 1 });
  });

  it('refuses out-of-range input with BAD_USER_INPUT naming the field, without calling the engine', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ persona: 'STUDENT', budget: -5, locationType: 'RENT' }, 'budget'],
      [{ persona: 'STUDENT', budget: 900, locationType: 'RENT', limit: 0 }, 'limit'],
      [{ persona: 'STUDENT', budget: 900, locationType: 'RENT', commuteTo: 'Bank' }, 'commuteTo'],
      [{ persona: 'STUDENT', budget: 900, locationType: 'RENT', maxCommuteMinutes: 1000 }, 'maxCommuteMinutes'],
      [{ persona: 'STUDENT', budget: 900, locationType: 'RENT', weights: { safety: -1 } }, 'weights.safety'],
      [{ persona: 'STUDENT', budget: 900, locationType: 'RENT', maxCommuteMinutes: 30 }, 'maxCommuteMinutes'],
    ];
    for (const [input, field] of cases) {
      let response!: GraphQLResponse;
      const calls = await server.countEngineCalls(async () => {
        response = await server.gql(RECOMMEND, { input });
      });
      expect(calls).toEqual({});
      const error = response.body.errors![0]!;
      expect(error.extensions!.code).toBe('BAD_USER_INPUT');
      expect(error.extensions!.field).toBe(`input.${field}`);
    }
  });

  it("passes the engine's own refusals on as BAD_USER_INPUT on the input field", async () => {
    const { body } = await server.gql(RECOMMEND, {
      input: { persona: 'STUDENT', budget: 900, locationType: 'RENT', commuteTo: '999' },
    });
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.commuteTo' });
  });

  it('lists the personas with their default weights', async () => {
    const { body } = await server.gql(
      `{ personas { key name defaultSize defaultLocationType weights { affordability commute schools priceGrowth } } }`,
    );
    expect(body.data!.personas.map((p: any) => p.key)).toEqual(['STUDENT', 'PARENT', 'DEVELOPER']);
    const parent = body.data!.personas.find((p: any) => p.key === 'PARENT');
    expect(parent.weights.schools).toBeGreaterThan(0);
  });
});
