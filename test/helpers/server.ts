import type { AddressInfo } from 'node:net';
import { afterEach, inject } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createHttpServer } from '../../src/http/http-server.ts';
import { createApp } from '../../src/yoga.ts';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
    extensions?: Record<string, any>;
  };
}

/** What production-mode test servers get as METRICS_TOKEN unless `env` sets one. */
const TEST_METRICS_TOKEN = 'test-suite-metrics-token-000001';

/** The real server on a real port, over the shared test engine unless `env` says otherwise. */
export async function startServer(env: Record<string, string> = {}) {
  // Budgets far above what a suite spends, so only the rate-limit suites meet a limit.
  const config = loadConfig({
    NODE_ENV: 'test',
    LOCAL_ENGINE_URL: inject('engineUrl'),
    ENGINE_RETRIES: '0',
    RATE_LIMIT_POINTS_PER_MINUTE: '100000000',
    RATE_LIMIT_POINTS_PER_DAY: '1000000000',
    // Production requires it; the same for every test server, so ids one issues another reads.
    EXPLANATION_ID_SECRET: 'test-suite-explanation-id-secret',
    // Production serves /metrics only with a token; engineCalls reads it.
    ...(env.NODE_ENV === 'production' ? { METRICS_TOKEN: TEST_METRICS_TOKEN } : {}),
    ...env,
  });
  const logs: { event: string; [k: string]: unknown }[] = [];
  const app = createApp(config, { log: (event, fields) => logs.push({ event, ...fields }) });
  // What server.ts serves: the hit path (src/http/hit-path) in front of Yoga, on the server with Node's
  // errors and timeouts as production has them.
  const server = createHttpServer(app.handler, config.server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  /** Engine HTTP calls so far, by endpoint, read from the server's own /metrics. */
  async function engineCalls(): Promise<Record<string, number>> {
    const token = config.metrics.token;
    const response = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    // A refused scrape would read as "no engine call": fail instead.
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    const text = await response.text();
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^veo_engine_requests_total\{endpoint="([^"]+)"\} (\d+)/gm)) {
      counts[match[1]!] = Number(match[2]);
    }
    return counts;
  }

  /** Engine calls made while `run` ran. */
  async function countEngineCalls(run: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = await engineCalls();
    await run();
    const after = await engineCalls();
    const delta: Record<string, number> = {};
    for (const [endpoint, n] of Object.entries(after)) {
      if (n - (before[endpoint] ?? 0) > 0) delta[endpoint] = n - (before[endpoint] ?? 0);
    }
    return delta;
  }

  return {
    url,
    app,
    logs,
    gql,
    engineCalls,
    countEngineCalls,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startServer>>;

/** A `startServer` whose servers are closed after each test of the file that calls this at its top level. */
export function serversPerTest() {
  const servers: TestServer[] = [];
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close();
  });
  return async (env: Record<string, string> = {}) => {
    const s = await startServer(env);
    servers.push(s);
    return s;
  };
}

/** Engine calls of one query on a new server whose cache is cold. */
export async function coldCalls(query: string, variables?: Record<string, unknown>, env: Record<string, string> = {}) {
  const cold = await startServer(env);
  try {
    let response!: GraphQLResponse;
    const calls = await cold.countEngineCalls(async () => {
      response = await cold.gql(query, variables);
    });
    return { response, calls };
  } finally {
    await cold.close();
  }
}
