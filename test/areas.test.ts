import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from './helpers/data.ts';
import { coldCalls, type GraphQLResponse, startServer, type TestServer } from './helpers/server.ts';

const rows = readCsv('rents.csv');

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const DASHBOARD = /* GraphQL */ `
  query Dashboard {
    areas(first: 33) {
      totalCount
      nodes {
        code
        name
        housing { medianRentAll averagePrice rent(size: ROOM) { median } }
        safety { crimeRatePer1000 rank }
        schools { gcse5acPct rank }
      }
    }
  }
`;

describe('areas', () => {
  it('answers a dashboard over all 33 boroughs with one engine call per kind', async () => {
    const { response, calls } = await coldCalls(DASHBOARD);
    expect(response.body.errors).toBeUndefined();
    const nodes = response.body.data!.areas.nodes;
    expect(nodes).toHaveLength(33);
    expect(response.body.data!.areas.totalCount).toBe(33);
    expect(calls).toEqual({ areas: 1, crime: 1, schools: 1 });

    const camden = nodes.find((n: any) => n.code === 'E09000007');
    const camdenRow = rows.find((r) => r.code === 'E09000007')!;
    expect(camden.name).toBe('Camden');
    expect(camden.housing.medianRentAll).toBe(Number(camdenRow.median_all));
    expect(camden.housing.rent.median).toBe(Number(camdenRow.median_room));
  });

  it('keeps a missing figure null instead of inventing it', async () => {
    const { body } = await server.gql(
      `{ area(code: "E09000001") { name housing { rent(size: ROOM) { median count } } safety { crimeRatePer1000 rank } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.area.name).toBe('City of London');
    expect(body.data!.area.housing.rent.median).toBeNull();
    expect(body.data!.area.safety).toEqual({ crimeRatePer1000: null, rank: null });
  });

  it('asks once for a code that appears many times', async () => {
    const query = `{ a: area(code: "E09000007") { name safety { rank } } b: area(code: "E09000007") { name safety { rank } } c: area(code: "E09000033") { name } }`;
    const { response, calls } = await coldCalls(query);
    expect(response.body.data!.a).toEqual(response.body.data!.b);
    expect(response.body.data!.c.name).toBe('Westminster');
    expect(calls).toEqual({ areas: 1, crime: 1 });
  });

  it('answers null for a well-formed code no borough has', async () => {
    const { body } = await server.gql(`{ area(code: "E09000099") { name } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data!.area).toBeNull();
  });

  it('paginates with cursors over a stable order', async () => {
    const page = `query ($after: String) { areas(first: 10, after: $after, orderBy: { field: CODE }) {
      totalCount edges { cursor node { code } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 4; i += 1) {
      const { body }: GraphQLResponse = await server.gql(page, { after });
      const conn: any = body.data!.areas;
      expect(conn.totalCount).toBe(33);
      seen.push(...conn.edges.map((e: any) => e.node.code));
      expect(conn.pageInfo.hasPreviousPage).toBe(i > 0);
      after = conn.pageInfo.endCursor;
      if (!conn.pageInfo.hasNextPage) break;
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(33);
  });

  it('filters and orders', async () => {
    const { body } = await server.gql(`{ areas(first: 33, filter: { innerOuter: INNER, maxRent: { size: ROOM, max: 700 } },
      orderBy: { field: MEDIAN_RENT, direction: DESC }) { nodes { code innerOuter housing { medianRentAll rent(size: ROOM) { median } } } } }`);
    expect(body.errors).toBeUndefined();
    const nodes = body.data!.areas.nodes;
    const expected = rows.filter((r) => r.median_room !== '' && Number(r.median_room) <= 700).map((r) => r.code);
    for (const n of nodes) {
      expect(n.innerOuter).toBe('INNER');
      expect(n.housing.rent.median).toBeLessThanOrEqual(700);
      expect(expected).toContain(n.code);
    }
    const rents = nodes.map((n: any) => n.housing.medianRentAll);
    expect(rents).toEqual([...rents].sort((a: number, b: number) => b - a));
  });

  it('refuses a cursor it did not hand out', async () => {
    const { body } = await server.gql(`{ areas(after: "bm9wZQ") { totalCount } }`);
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(body.errors![0]!.extensions!.field).toBe('after');
  });

  it('lists stations and resolves their areas in one call per kind', async () => {
    const { response, calls } = await coldCalls(`{ stations(search: "king") { id name zone lines { name colour } area { name } } }`);
    const stations = response.body.data!.stations;
    expect(stations.length).toBeGreaterThan(0);
    for (const s of stations) expect(s.name.toLowerCase()).toContain('king');
    const kx = stations.find((s: any) => s.name.startsWith("King's Cross"));
    expect(kx.area.name).toBe('Camden');
    expect(calls).toEqual({ stations: 1, areas: 1 });
  });
});
