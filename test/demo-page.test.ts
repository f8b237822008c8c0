import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../scripts/build-demo.ts';
import { ConfigError, loadConfig } from '../src/config/config.ts';
import { startServer, type TestServer } from './helpers/server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PRODUCTION = {
  NODE_ENV: 'production',
  CORS_ORIGINS: 'https://app.example.com',
  EXPLANATION_ID_SECRET: 'demo-page-explanation-secret-01',
};

describe('DEMO_PAGE', () => {
  it('is on outside production, off in production, and off with trusted documents unless asked for', () => {
    expect(loadConfig({}).demoPage).toBe(true);
    expect(loadConfig({ DEMO_PAGE: 'off' }).demoPage).toBe(false);
    expect(loadConfig({ TRUSTED_DOCUMENTS: 'on' }).demoPage).toBe(false);
    expect(loadConfig(PRODUCTION).demoPage).toBe(false);
    expect(loadConfig({ ...PRODUCTION, DEMO_PAGE: 'on' }).demoPage).toBe(true);
  });

  it('with trusted documents is refused, naming both variables', () => {
    expect(() => loadConfig({ DEMO_PAGE: 'on', TRUSTED_DOCUMENTS: 'on' })).toThrow(ConfigError);
    expect(() => loadConfig({ DEMO_PAGE: 'on', TRUSTED_DOCUMENTS: 'on' })).toThrow(
      /DEMO_PAGE \/ TRUSTED_DOCUMENTS: the dashboard page builds/,
    );
  });

  it('with trusted documents stops the server at start, with the message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, DEMO_PAGE: 'on', TRUSTED_DOCUMENTS: 'on', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('DEMO_PAGE / TRUSTED_DOCUMENTS');
  });
});

describe('the dashboard page at /', () => {
  let server: TestServer | undefined;
  beforeAll(() => buildDemo());
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('is not served in production without DEMO_PAGE: / answers 404 as before', async () => {
    server = await startServer(PRODUCTION);
    const answer = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
    expect(answer.status).toBe(404);
    expect(await answer.text()).not.toContain('<html');
  });

  it('is served with DEMO_PAGE=on: compressed once, with an ETag, its script cached for good', async () => {
    server = await startServer({ ...PRODUCTION, DEMO_PAGE: 'on' });
    const page = await fetch(`${server.url}/`, { headers: { 'accept-encoding': 'br' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-encoding')).toBe('br');
    expect(page.headers.get('cache-control')).toBe('public, no-cache');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text(); // fetch decodes it
    expect(html).toContain('<meta name="graphql-endpoint" content="/graphql">');
    const etag = page.headers.get('etag')!;
    expect((await fetch(`${server.url}/`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const script = html.match(/src="(\/demo\/app-[A-Z0-9]+\.js)"/)![1]!;
    const js = await fetch(`${server.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.url}/demo/nothing.js`)).status).toBe(404);

    // The page calls the server from its own origin, which production then allows (as it does for GraphiQL).
    const call = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(call.status).toBe(200);
  });
});
