import { describe, expect, it } from 'vitest';
import { MAX_OPERATION_NAME_LENGTH, MAX_OPERATION_NAMES } from '../src/http/metrics-labels.ts';
import { flood } from './helpers/flood.ts';
import { serversPerTest, type TestServer } from './helpers/server.ts';

const ADMIN_TOKEN = 'admin-token-for-metrics-labels-01';

const server = serversPerTest();

/** Label values of one metric's `_count` series, e.g. every `route` of the HTTP histogram. */
async function labelValues(s: TestServer, metric: string, label: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const values = new Map<string, number>();
  for (const match of text.matchAll(new RegExp(`^${metric}_count\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const value = new RegExp(`${label}="([^"]*)"`).exec(match[1]!)![1]!;
    values.set(value, (values.get(value) ?? 0) + Number(match[2]));
  }
  return values;
}

describe('metric labels come from bounded sets', () => {
  it('counts every unknown path as one route, `other`', async () => {
    const s = await server();
    await flood(300, 10, async (i) => (await fetch(`${s.url}/nope-${i}/${'x'.repeat(i % 50)}`)).arrayBuffer());
    await s.gql('{ __typename }');
    const routes = await labelValues(s, 'veo_http_request_duration_seconds', 'route');
    expect(Object.fromEntries(routes)).toEqual({ '/graphql': 1, other: 300 });
  });

  it('keeps the first operation names seen, then counts the rest as `other`; long names are `other`', async () => {
    const s = await server();
    await s.gql(`query ${'L'.repeat(MAX_OPERATION_NAME_LENGTH + 1)} { __typename }`);
    await flood(MAX_OPERATION_NAMES + 30, 10, (i) => s.gql(`query Op${i} { __typename }`));
    await s.gql('{ __typename }');
    const names = await labelValues(s, 'veo_graphql_operation_duration_seconds', 'operation_name');
    expect(names.get('other')).toBe(30 + 1);
    expect(names.get('anonymous')).toBe(1);
    expect(names.size).toBe(MAX_OPERATION_NAMES + 2);
    // A name that has its series keeps it.
    const kept = [...names.keys()].find((n) => n.startsWith('Op'))!;
    await s.gql(`query ${kept} { __typename }`);
    expect((await labelValues(s, 'veo_graphql_operation_duration_seconds', 'operation_name')).get(kept)).toBe(2);
  });

  it("with trusted documents, names the manifest's operations only", async () => {
    const s = await server({ TRUSTED_DOCUMENTS: 'on', ADMIN_TOKEN });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    // An operator's ad-hoc documents run, but their names are not the manifest's.
    await s.gql(`query Recommend { __typename }`, undefined, admin);
    await s.gql(`query Whatever { __typename }`, undefined, admin);
    await s.gql(`query AdHoc${Date.now()} { __typename }`, undefined, admin);
    const names = await labelValues(s, 'veo_graphql_operation_duration_seconds', 'operation_name');
    expect(Object.fromEntries(names)).toEqual({ Recommend: 1, other: 2 });
  });
});
