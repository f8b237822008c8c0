import { describe, expect, it } from 'vitest';
import { serversPerTest } from './helpers/server.ts';

// Found by an outside tester: refusals answered before any GraphQL result (a forbidden origin, 406, 415) were
// missing from veo_graphql_errors_total and from their log lines' errorCodes, and neither a 403 nor /health
// was timed in veo_http_request_duration_seconds (the health alert could never fire).
const server = serversPerTest();

describe('refusals answered before any result', () => {
  it('are counted by code, timed, and logged with their code', async () => {
    const s = await server({ CORS_ORIGINS: 'http://localhost:3000' });
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"query":"{ __typename }"}',
      });
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ 'content-type': 'text/foo-bar' })).status).toBe(415);
    expect((await post({ accept: 'image/png' })).status).toBe(406);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);

    const lines = s.logs.filter((l) => l.event === 'request');
    expect(lines.map((l) => [l.status, l.errorCodes])).toEqual([
      [403, ['FORBIDDEN_ORIGIN']],
      [415, ['UNSUPPORTED_MEDIA_TYPE']],
      [406, ['NOT_ACCEPTABLE']],
    ]);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    for (const code of ['FORBIDDEN_ORIGIN', 'UNSUPPORTED_MEDIA_TYPE', 'NOT_ACCEPTABLE']) {
      expect(text).toMatch(new RegExp(`^veo_graphql_errors_total\\{code="${code}"\\} 1$`, 'm'));
    }
    expect(text).toMatch(/^veo_http_request_duration_seconds_count\{route="\/graphql",status="403"\} 1$/m);
    expect(text).toMatch(/^veo_http_request_duration_seconds_count\{route="\/health",status="200"\} 1$/m);
  });
});
