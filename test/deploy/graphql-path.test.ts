import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { serversPerTest } from '../helpers/server.ts';

/** GRAPHQL_PATH moves everything that answers GraphQL: what a Next.js route at /api/graphql needs. */
const server = serversPerTest();
const PATH = '/api/graphql';
const JSON_ACCEPT = { accept: 'application/graphql-response+json' };

describe('GRAPHQL_PATH', () => {
  it('defaults to /graphql and takes only a plain path that is not one of the server’s own', () => {
    expect(loadConfig({}).graphqlPath).toBe('/graphql');
    expect(loadConfig({ GRAPHQL_PATH: PATH }).graphqlPath).toBe(PATH);
    for (const bad of [
      'graphql',
      '/graphql?x=1',
      '/graphql#top',
      '/api/graphql/',
      '//graphql',
      '/a b',
      '/metrics',
      `/${'x'.repeat(100)}`,
    ]) {
      expect(() => loadConfig({ GRAPHQL_PATH: bad }), bad).toThrow(/GRAPHQL_PATH/);
    }
  });

  it('serves POST, GET with a query string, GraphiQL and the metrics label there, and nothing at /graphql', async () => {
    const s = await server({ GRAPHQL_PATH: PATH });
    const post = await fetch(`${s.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...JSON_ACCEPT },
      body: JSON.stringify({ query: '{ area(code: "E09000007") { name } }' }),
    });
    expect(await post.json()).toMatchObject({ data: { area: { name: 'Camden' } } });
    const get = await fetch(`${s.url}${PATH}?query=${encodeURIComponent('{ personas { name } }')}`, { headers: JSON_ACCEPT });
    expect(get.status).toBe(200);
    expect((await get.json()).data.personas).toHaveLength(3);
    expect((await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: JSON_ACCEPT })).status).toBe(404);

    const page = await fetch(`${s.url}${PATH}`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain(`"endpoint":"${PATH}"`);

    const scrape = await (await fetch(`${s.url}/metrics`)).text();
    expect(scrape).toMatch(new RegExp(`veo_http_request_duration_seconds_count\\{route="${PATH}",status="200"\\} 2`));
  });

  it('charges a refused request there, and reserves graphql-sse streams there', async () => {
    const s = await server({ GRAPHQL_PATH: PATH, RATE_LIMIT_POINTS_PER_MINUTE: '500' });
    const refused = await fetch(`${s.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...JSON_ACCEPT },
      body: JSON.stringify({ query: '{ area(code: "E09000007") { name }' }),
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('499');
    const reserved = await fetch(`${s.url}${PATH}`, { method: 'PUT' });
    expect(reserved.status).toBe(201);
    expect((await fetch(`${s.url}/graphql`, { method: 'PUT' })).status).not.toBe(201);
  });
});

describe('the configuration of a serverless function', () => {
  const manifest = { 'sha256:abc': 'query Built { __typename }' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env, { serverless: { manifest } });
    } catch (error) {
      return (error as ConfigError).problems.join('\n');
    }
    return '';
  };

  it('refuses the local engine, naming ENGINE_MODE, and a manifest file it would not read', () => {
    expect(problems({})).toMatch(/^ENGINE_MODE: must be modal in a serverless function/m);
    expect(problems({ ENGINE_MODE: 'auto', MODAL_ENDPOINT_URL: 'https://x.modal.run' })).toMatch(/^ENGINE_MODE/m);
    expect(problems({ ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: 'https://x.modal.run', TRUSTED_DOCUMENTS_MANIFEST: '/m.json' })).toMatch(
      /^TRUSTED_DOCUMENTS_MANIFEST: not read by a serverless function/m,
    );
    expect(problems({ ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: 'https://x.modal.run' })).toBe('');
  });

  it('runs the manifest it is given, read from no file', () => {
    const config = loadConfig(
      { ENGINE_MODE: 'modal', MODAL_ENDPOINT_URL: 'https://x.modal.run', TRUSTED_DOCUMENTS: 'on' },
      { serverless: { manifest } },
    );
    expect(config.security.trustedDocuments).toEqual({ manifest });
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: 'on', TRUSTED_DOCUMENTS_MANIFEST: '/nowhere.json' })).toThrow(ConfigError);
  });
});
