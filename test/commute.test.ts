import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coldCalls, startServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('commute', () => {
  it('routes all 33 areas to a station with one commute call and one station call', async () => {
    const { response, calls } = await coldCalls(`{ areas(first: 33) { nodes { code transport { stationCount }
        commute(to: "145") { minutes rideMinutes accessMinutes changes to { name } stations { name } legs { line { name } stops minutes } } } } }`);
    expect(response.body.errors).toBeUndefined();
    const nodes = response.body.data!.areas.nodes;
    expect(nodes).toHaveLength(33);
    expect(calls).toEqual({ areas: 1, commute: 1, stations: 1 });
    for (const n of nodes) {
      const c = n.commute;
      expect(c.to.name).toBe("King's Cross St. Pancras");
      expect(c.minutes).toBe(c.accessMinutes + c.rideMinutes + 5 * c.changes);
      expect(c.legs).toHaveLength(c.changes + 1 - (c.stations.length === 1 ? 1 : 0));
      expect(c.legs.reduce((s: number, l: any) => s + l.minutes, 0)).toBe(c.rideMinutes);
      if (n.transport.stationCount === 0) expect(c.accessMinutes).toBeGreaterThan(0);
      else expect(c.accessMinutes).toBe(0);
    }
    const camden = nodes.find((n: any) => n.code === 'E09000007');
    expect(camden.commute.minutes).toBe(0);
  });

  it('answers null for a station that does not exist', async () => {
    const { body } = await server.gql(`{ area(code: "E09000007") { commute(to: "99999") { minutes } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data!.area.commute).toBeNull();
  });

  it('refuses a destination that is not a station code', async () => {
    const { body } = await server.gql(`{ area(code: "E09000007") { commute(to: "Bank") { minutes } } }`);
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });
});
