import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { ERROR_CODES } from '../src/http/error-metrics.ts';
import { CircuitBreaker } from '../src/lib/circuit-breaker.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { createApp } from '../src/yoga.ts';
import { asPromQL, type Dashboard, dashboardQueries, metricNames, ruleExprs, sampleNames, variableMetrics } from './helpers/ops-promql.ts';
import { promtoolTest } from './helpers/ops-promtool.ts';
import { startServer } from './helpers/server.ts';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const rulesDir = root('ops/prometheus');
const dashboard = JSON.parse(readFileSync(root('ops/grafana/veo-bff.json'), 'utf8')) as Dashboard;

/** The /metrics of a real server (ENGINE_MODE=auto, so the engine's breaker is there) after an engine call, errors and /health. */
let scrape: string;
beforeAll(async () => {
  const server = await startServer({ ENGINE_MODE: 'auto', MODAL_ENDPOINT_URL: inject('engineUrl') });
  try {
    expect((await server.gql('{ personas { id } }')).body.errors).toBeUndefined();
    expect((await server.gql('{ personas { id nope } }')).body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    // A stream whose two later parts fail with one code: one answer with BAD_USER_INPUT.
    const deferred = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: '{ health { status } ... @defer { a: area(code: "XX") { name } } ... @defer { b: area(code: "YY") { name } } }',
      }),
    });
    expect(await deferred.text()).toContain('BAD_USER_INPUT');
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    scrape = await response.text();
  } finally {
    await server.close();
  }
});

describe('the metrics operators need', () => {
  it('are in the scrape: engine latency per endpoint, breaker state, errors by code, engine restarts, the heap limit', () => {
    expect(scrape).toMatch(/^veo_engine_request_duration_seconds_count\{endpoint="personas"\} 1$/m);
    expect(scrape).toMatch(/^veo_circuit_breaker_state\{breaker="engine"\} 0$/m);
    expect(scrape).toMatch(/^veo_graphql_errors_total\{code="GRAPHQL_VALIDATION_FAILED"\} 1$/m);
    expect(scrape).toMatch(/^veo_graphql_errors_total\{code="BAD_USER_INPUT"\} 1$/m);
    expect(scrape).toMatch(/^veo_engine_restarts_total 0$/m);
    expect(scrape).toMatch(/^veo_nodejs_heap_size_limit_bytes \d+$/m);
  });

  it('count each restart of the embedded engine', async () => {
    // `false` exits at once: each launch of the engine dies, and the supervisor restarts it.
    const app = createApp(loadConfig({ NODE_ENV: 'test', ENGINE_MODE: 'local', PYTHON: 'false', ENGINE_RETRIES: '0' }), { log: () => {} });
    try {
      const answer = await app.fetch(
        new Request('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ personas { id } }' }),
        }),
      );
      expect((await answer.json()).errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
      const scraped = await app.metrics.registry.metrics();
      expect(Number(/^veo_engine_restarts_total (\d+)$/m.exec(scraped)?.[1])).toBeGreaterThanOrEqual(1);
      expect(scraped).toMatch(/^veo_graphql_errors_total\{code="UPSTREAM_UNAVAILABLE"\} 1$/m);
    } finally {
      await app.close();
    }
  });

  it("follow each breaker's state at every scrape: 0 closed, 2 open, 1 half-open once its cooldown is over", async () => {
    let now = 0;
    const breaker = new CircuitBreaker(1, 1_000, () => now);
    const metrics = createMetrics();
    metrics.watchBreaker('cache_redis', breaker);
    const state = async () => /^veo_circuit_breaker_state\{breaker="cache_redis"\} (\d)$/m.exec(await metrics.registry.metrics())?.[1];
    expect(await state()).toBe('0');
    breaker.failure();
    expect(await state()).toBe('2');
    now = 1_000;
    expect(await state()).toBe('1');
    breaker.success();
    expect(await state()).toBe('0');
  });

  it('label errors with every code of the README table', () => {
    const table = readFileSync(root('README.md'), 'utf8').split('### Errors a client can act on')[1]!.split('\n## ')[0]!;
    const documented = [...table.matchAll(/^\| (.*?) \|/gm)].flatMap((row) => [...row[1]!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!));
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((code) => !ERROR_CODES.includes(code))).toEqual([]);
  });

  promtoolTest('pass promtool check metrics', ({ promtool }) => {
    const run = promtool(['check', 'metrics'], { input: scrape });
    expect(run.output).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('the alert rules (ops/prometheus)', () => {
  promtoolTest('pass promtool check rules', ({ promtool }) => {
    const run = promtool(['check', 'rules', 'alerts.yml'], { cwd: rulesDir });
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  promtoolTest('fire, and do not fire, as alerts.test.yml expects', ({ promtool }) => {
    const run = promtool(['test', 'rules', 'alerts.test.yml'], { cwd: rulesDir });
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('name only metrics a real scrape has', () => {
    const yaml = readFileSync(join(rulesDir, 'alerts.yml'), 'utf8');
    const exprs = ruleExprs(yaml);
    expect(exprs).toHaveLength(yaml.match(/^\s*- alert:/gm)!.length);
    const scraped = sampleNames(scrape);
    const missing = exprs.flatMap((expr) => {
      const names = metricNames(expr);
      return names.length === 0 ? [`no metric in ${expr}`] : names.filter((name) => !scraped.has(name));
    });
    expect(missing).toEqual([]);
  });
});

describe('the Grafana dashboard (ops/grafana/veo-bff.json)', () => {
  const queries = dashboardQueries(dashboard);

  promtoolTest("has panels whose every query parses (promtool, as a rules file's records)", ({ promtool }) => {
    const dir = mkdtempSync(join(tmpdir(), 'veo-bff-dashboard-'));
    try {
      const rules = { groups: [{ name: 'dashboard', rules: queries.map(({ name, expr }) => ({ record: name, expr: asPromQL(expr) })) }] };
      // JSON is YAML: promtool reads it as it is.
      writeFileSync(join(dir, 'panels.yml'), JSON.stringify(rules));
      const run = promtool(['check', 'rules', 'panels.yml'], { cwd: dir });
      expect(run.output).toContain(`SUCCESS: ${queries.length} rules found`);
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names only metrics a real scrape has, in its panels and its variables', () => {
    const scraped = sampleNames(scrape);
    const missing = queries.flatMap(({ title, expr }) => {
      const names = metricNames(asPromQL(expr));
      if (names.length === 0) return [`${title}: no metric in ${expr}`];
      return names.filter((name) => !scraped.has(name)).map((name) => `${title}: ${name}`);
    });
    const variables = variableMetrics(dashboard);
    expect(variables.length).toBeGreaterThan(0);
    expect([...missing, ...variables.filter((name) => !scraped.has(name))]).toEqual([]);
  });

  it('shows what an operator watches', () => {
    const shown = new Set(queries.flatMap(({ expr }) => metricNames(asPromQL(expr))));
    for (const name of [
      'veo_http_request_duration_seconds_count',
      'veo_http_request_duration_seconds_bucket',
      'veo_graphql_errors_total',
      'veo_engine_requests_total',
      'veo_engine_request_duration_seconds_bucket',
      'veo_cache_lookups_total',
      'veo_response_cache_lookups_total',
      'veo_ratelimit_decisions_total',
      'veo_circuit_breaker_state',
      'veo_engine_restarts_total',
      'veo_nodejs_heap_size_used_bytes',
      'veo_process_resident_memory_bytes',
    ]) {
      expect(shown, name).toContain(name);
    }
  });
});
