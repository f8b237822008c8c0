import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardDocument, RecommendWithExplanationsDocument } from '../../operations/generated/graphql.ts';
import { UNEXPECTED } from '../helpers/broken-engine.ts';
import { eventually, type IngestStandIn, ingestStandIn } from '../helpers/ingest-stand-in.ts';
import { modalStandIn, type Received } from '../helpers/modal-stand-in.ts';
import { multipartParts } from '../helpers/multipart.ts';
import { buildApp, startApp } from './helpers/next-app.ts';
import { MODAL_PROXY, refusedWithoutProxyAuth } from './helpers/proxy-auth.ts';

/**
 * deploy/vercel as a team deploys it: built by `next build` (its own type check included) and served by
 * `next start`, with the environment the README's Vercel steps set, Modal's endpoint played by a stand-in
 * that refuses requests without the proxy-auth headers, and Axiom's and Sentry's by another.
 */
const ADMIN_TOKEN = 'admin-token-for-the-vercel-app-01';
const AXIOM_TOKEN = 'xaat-vercel-app-axiom-token-0001';
const DATASET = 'veo-vercel';
const PATH = '/api/graphql';
const BUDGET = 1000;
const hashOf = (document: unknown) => (document as { __meta__: { hash: string } }).__meta__.hash;
const ip = (last: number) => ({ 'x-real-ip': `198.51.100.${last}` });

let modal: Awaited<ReturnType<typeof modalStandIn>>;
let ingest: IngestStandIn;
let app: Awaited<ReturnType<typeof startApp>>;

/**
 * The job UNEXPECTED asks for, with a creation time no date can hold: its DateTime field throws a plain
 * error, which is masked and reported to Sentry (as test/helpers/broken-engine.ts does for the unit suites).
 */
function unwritableJob(request: Received) {
  if (request.path !== '/explanations/status' || !request.body.includes('ex1_fuzzed')) return undefined;
  const job = { id: 'ex1_fuzzed', status: 'PENDING', areaCode: 'E09000007', persona: 'student', context: null, text: null };
  const times = { source: null, error: null, attempts: 0, createdAt: 1e15, finishedAt: null };
  return { status: 200, body: { jobs: [{ ...job, ...times }], version: 'x', dataVersion: 'y' } };
}

beforeAll(async () => {
  modal = await modalStandIn((request) => refusedWithoutProxyAuth(request) ?? unwritableJob(request));
  ingest = await ingestStandIn();
  const seconds = await buildApp();
  console.info(`deploy/vercel: npm run build (esbuild, tsc declarations, next build) took ${seconds} s`);
  app = await startApp({
    ENGINE_MODE: 'modal',
    MODAL_ENDPOINT_URL: modal.url,
    ...MODAL_PROXY,
    GRAPHQL_PATH: PATH,
    TRUST_PLATFORM_HEADERS: 'vercel',
    CORS_ORIGINS: 'https://app.example.com',
    EXPLANATION_ID_SECRET: 'vercel-app-explanation-id-secret',
    TRUSTED_DOCUMENTS: 'on',
    ADMIN_TOKEN,
    GRAPHIQL: 'true',
    AXIOM_TOKEN,
    AXIOM_DATASET: DATASET,
    AXIOM_URL: ingest.url,
    SENTRY_DSN: ingest.sentryDsn,
    // A budget a few dashboards spend, refilling over an hour so no test waits for it.
    RATE_LIMIT_POINTS_PER_MINUTE: String(BUDGET),
    RATE_LIMIT_WINDOW_MS: '3600000',
  });
});
afterAll(async () => {
  await app?.close();
  await modal?.close();
  await ingest?.close();
});

/** The dashboard by its persisted id, over GET, as a browser's urql or Apollo sends it. */
const dashboard = (headers: Record<string, string>, first = 33) =>
  fetch(`${app.url}${PATH}?documentId=${hashOf(DashboardDocument)}&variables=${encodeURIComponent(JSON.stringify({ first }))}`, {
    headers: { accept: 'application/graphql-response+json', ...headers },
  });

/** An operator's document, sent with the admin token (trusted documents are on). */
const admin = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });

describe('deploy/vercel on next start', () => {
  it('serves the dashboard by its persisted id over GET, from Modal with its proxy auth', async () => {
    // The second run goes through graphql-jit, which fails if Next's bundle held two copies of graphql-js.
    for (let run = 0; run < 2; run++) {
      const response = await dashboard(ip(1));
      expect(response.status).toBe(200);
      const { data } = await response.json();
      expect(data.areas.nodes).toHaveLength(33);
    }
    expect(modal.received.length).toBeGreaterThan(0);
    expect(modal.received.every((request) => request.headers['modal-key'] === MODAL_PROXY.MODAL_PROXY_KEY)).toBe(true);
  });

  it('streams a @defer recommendation to its explanations, then ships its log line; SSE follows an explanation', async () => {
    const id = 'req-vercel-defer-0001';
    const started = performance.now();
    const response = await fetch(`${app.url}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-request-id': id, ...ip(2) },
      body: JSON.stringify({
        documentId: hashOf(RecommendWithExplanationsDocument),
        variables: { input: { persona: 'PARENT', locationType: 'RENT', budget: 2000, limit: 2 } },
      }),
    });
    const parts = await multipartParts(response, started);
    expect(parts[0]!.part.data.recommendations.results).toHaveLength(2);
    const explanations = parts.flatMap(({ part }) => part.incremental ?? []).map((step: any) => step.data.explanation);
    expect(explanations).toHaveLength(2);
    expect(parts.at(-1)!.part.hasNext).toBe(false);
    const line = await eventually(() => ingest.axiomLines(DATASET).find((l) => l.event === 'request' && l.requestId === id));
    expect(line).toMatchObject({ path: PATH, status: 200, operationName: 'RecommendWithExplanations', client: 'ip:198.51.100.2' });

    const events = await admin(
      'subscription ($id: ID!) { explanationUpdated(id: $id) { status } }',
      { id: explanations[0].key },
      {
        accept: 'text/event-stream',
      },
    );
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const text = await events.text();
    const statuses = [...text.matchAll(/"status":"(\w+)"/g)].map((match) => match[1]);
    expect(['READY', 'FAILED']).toContain(statuses.at(-1));
    expect(text).toContain('event: complete');
  });

  it('charges each client address Vercel forwards a budget of its own, refused requests included', async () => {
    const first = await dashboard(ip(10));
    const cost = BUDGET - Number(first.headers.get('x-ratelimit-remaining'));
    expect(cost).toBeGreaterThan(100);
    // Vercel's other header, with the proxies after the client.
    const other = await dashboard({ 'x-vercel-forwarded-for': '198.51.100.11, 10.1.2.3' });
    expect(Number(other.headers.get('x-ratelimit-remaining'))).toBeGreaterThanOrEqual(BUDGET - cost);

    let status = first.status;
    for (let i = 0; i < 10 && status !== 429; i++) status = (await dashboard(ip(10))).status;
    expect(status).toBe(429);
    expect((await dashboard({ 'x-vercel-forwarded-for': '198.51.100.11' })).status).toBe(200);

    const refused = await fetch(`${app.url}${PATH}?documentId=sha256:${'0'.repeat(64)}`, { headers: ip(12) });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe(String(BUDGET - 1));
    const { data } = await (await admin('{ rateLimit { client } }', {}, ip(12))).json();
    expect(data.rateLimit.client).toBe('ip:198.51.100.12');
  });

  it('reports an unexpected error to Sentry, masked in the answer', async () => {
    const response = await admin(UNEXPECTED, {}, { 'x-request-id': 'req-vercel-unexpected-01' });
    const { errors } = await response.json();
    expect(errors[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const event = await eventually(() => ingest.sentryEvents().find((e) => e.tags?.request_id === 'req-vercel-unexpected-01'));
    expect(event.exception!.values[0]!.type).toBe('TypeError');
  });

  it('serves GraphiQL pointed at /api/graphql', async () => {
    const page = await fetch(`${app.url}${PATH}`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain(`"endpoint":"${PATH}"`);
  });
});
