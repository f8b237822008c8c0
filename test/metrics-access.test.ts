import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serveMetricsOn } from '../src/http/metrics-listener.ts';
import { serversPerTest } from './helpers/server.ts';

const TOKEN = 'metrics-token-for-these-tests-01';
const PRODUCTION = { NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com' };

const server = serversPerTest();
const scrape = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/metrics`, { headers });

describe('who may read /metrics', () => {
  it('with METRICS_TOKEN: only a request with the bearer token, 401 with a code otherwise', async () => {
    const s = await server({ ...PRODUCTION, METRICS_TOKEN: TOKEN });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-the-metrics-token-at-all' },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of attempts) {
      const refused = await scrape(s.url, headers);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const body = await refused.json();
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(body)).not.toContain('veo_');
    }
    const ok = await scrape(s.url, { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toMatch(/^# TYPE veo_engine_requests_total counter$/m);
  });

  it('in production with neither a token nor a port: not served, and the start says so', async () => {
    // The test helper gives production servers a token unless told otherwise: an empty value is unset.
    const s = await server({ ...PRODUCTION, METRICS_TOKEN: '' });
    const answer = await scrape(s.url);
    expect(answer.status).toBe(404);
    expect(await answer.text()).not.toContain('veo_');
    expect(s.logs.find((l) => l.event === 'metrics.off')?.reason).toMatch(/METRICS_TOKEN or METRICS_PORT/);
  });

  it('with METRICS_PORT: not on the public port, but on its own listener on 127.0.0.1', async () => {
    const s = await server({ ...PRODUCTION, METRICS_TOKEN: '', METRICS_PORT: '0' });
    expect((await scrape(s.url)).status).toBe(404);
    expect((await scrape(s.url, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect(s.logs.some((l) => l.event === 'metrics.off')).toBe(false);

    const listener = serveMetricsOn(0, s.app.metrics.registry);
    try {
      await once(listener, 'listening');
      const address = listener.address() as AddressInfo;
      expect(address.address).toBe('127.0.0.1');
      const own = `http://127.0.0.1:${address.port}`;
      await s.gql('{ __typename }');
      const answer = await scrape(own);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toMatch(/veo_http_request_duration_seconds_count\{route="\/graphql",status="200"\} 1/);
      expect((await fetch(`${own}/graphql`)).status).toBe(404);
    } finally {
      listener.close();
    }
  });

  it('on its own listener, a token set is asked for there too', async () => {
    const s = await server({ ...PRODUCTION, METRICS_TOKEN: TOKEN, METRICS_PORT: '0' });
    const listener = serveMetricsOn(0, s.app.metrics.registry, { token: TOKEN });
    try {
      await once(listener, 'listening');
      const own = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      expect((await scrape(own)).status).toBe(401);
      expect((await scrape(own, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      listener.close();
    }
  });

  it('outside production with neither: open, as tests and benchmarks read it', async () => {
    const s = await server({});
    const answer = await scrape(s.url);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toMatch(/^# TYPE veo_engine_requests_total counter$/m);
  });
});
