import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.ts';

/**
 * graphql-http's GraphQL-over-HTTP audit suite against the server as production runs it, with one
 * adjustment that is policy, not protocol: introspection is on (several audits query `__type` as their
 * sample operation). Its requests carry no CSRF header: a GET needs none, and a JSON POST is preflighted.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.com', INTROSPECTION: 'true' });
});
afterAll(() => server.close());

const audits = serverAudits({ url: () => `${server.url}/graphql` });
const results: Record<string, string> = {};

describe('GraphQL over HTTP audits', () => {
  it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (name, audit) => {
    const result = await audit.fn();
    results[audit.id] = result.status;
    // Every MUST passes; SHOULD and MAY are recorded (a warning is a recommendation not followed).
    if (name.startsWith('MUST')) expect(result, 'reason' in result ? String(result.reason) : '').toMatchObject({ status: 'ok' });
  });

  it('passes every audit', () => {
    const failed = audits.filter((a) => results[a.id] !== 'ok').map((a) => a.name);
    expect(failed).toEqual([]);
    expect(Object.keys(results)).toHaveLength(audits.length);
  });
});
