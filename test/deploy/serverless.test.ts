import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecommendWithExplanationsDocument } from '../../operations/generated/graphql.ts';
import { createRouteHandlers } from '../../src/serverless.ts';
import { eventually, type IngestStandIn, ingestStandIn } from '../helpers/ingest-stand-in.ts';
import { modalStandIn } from '../helpers/modal-stand-in.ts';
import { multipartParts } from '../helpers/multipart.ts';
import { MODAL_PROXY, refusedWithoutProxyAuth } from './helpers/proxy-auth.ts';

/**
 * The serverless entry in this process, as a route calls it: the flush after each request goes to
 * waitUntil and runs once the answer has been read to its end.
 */
const AXIOM_TOKEN = 'xaat-serverless-axiom-token-0001';
const DATASET = 'veo-serverless';
const URL_ = 'http://localhost/api/graphql';
const hashOf = (document: unknown) => (document as { __meta__: { hash: string } }).__meta__.hash;

let ingest: IngestStandIn;
let modal: Awaited<ReturnType<typeof modalStandIn>>;
const saved = { ...process.env };
const stdout: string[] = [];

beforeAll(async () => {
  ingest = await ingestStandIn();
  modal = await modalStandIn(refusedWithoutProxyAuth);
});
beforeEach(() => {
  // The log lines a platform keeps: read here, not printed among the test results.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});
afterAll(async () => {
  await ingest.close();
  await modal.close();
});

function environment(extra: Record<string, string> = {}) {
  Object.assign(process.env, {
    ENGINE_MODE: 'modal',
    MODAL_ENDPOINT_URL: modal.url,
    ...MODAL_PROXY,
    GRAPHQL_PATH: '/api/graphql',
    TRUST_PLATFORM_HEADERS: 'vercel',
    AXIOM_TOKEN,
    AXIOM_DATASET: DATASET,
    AXIOM_URL: ingest.url,
    ...extra,
  });
}

/** Route handlers whose waitUntil records each promise and whether it has settled. */
function handlers() {
  const handed: { promise: Promise<unknown>; settled: boolean }[] = [];
  const routes = createRouteHandlers({
    waitUntil: (promise) => {
      const entry = { promise, settled: false };
      handed.push(entry);
      void promise.then(() => {
        entry.settled = true;
      });
    },
  });
  return { routes, handed };
}

const shipped = (id: string) => ingest.axiomLines(DATASET).some((line) => line.event === 'request' && line.requestId === id);
const tick = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('the serverless entry', () => {
  it('refuses a local engine: every request answers SERVER_MISCONFIGURED, and the log names ENGINE_MODE once', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    delete process.env.ENGINE_MODE;
    const { routes, handed } = handlers();
    for (let i = 0; i < 2; i++) {
      const answer = await routes.POST(new Request(URL_, { method: 'POST', body: '{"query":"{ __typename }"}' }));
      expect(answer.status).toBe(500);
      expect((await answer.json()).errors[0].extensions).toEqual({ code: 'SERVER_MISCONFIGURED' });
    }
    expect(handed).toHaveLength(0);
    expect(stderr.join('')).toContain('ENGINE_MODE: must be modal in a serverless function');
    expect(stderr.filter((line) => line.includes('Invalid configuration'))).toHaveLength(1);
  });

  it('answers before the flush, which runs once the answer has been read, through waitUntil', async () => {
    environment();
    const { routes, handed } = handlers();
    const id = 'req-serverless-answer-01';
    const answer = await routes.POST(
      new Request(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': id, 'x-real-ip': '198.51.100.30' },
        body: JSON.stringify({ query: '{ personas { name } rateLimit { client } }' }),
      }),
    );
    expect(answer).toBeInstanceOf(Response);
    expect(handed).toHaveLength(1);
    await tick();
    expect(handed[0]!.settled).toBe(false);
    expect((await answer.json()).data.rateLimit.client).toBe('ip:198.51.100.30');
    await handed[0]!.promise;
    expect(shipped(id)).toBe(true);
    expect(stdout.join('')).toContain(id);
    expect(stdout.join('')).not.toContain(AXIOM_TOKEN);
    expect(modal.received.length).toBeGreaterThan(0);
  });

  it('flushes a @defer answer after its last part, the deferred explanations included', async () => {
    environment({ TRUSTED_DOCUMENTS: 'on' });
    const { routes, handed } = handlers();
    const id = 'req-serverless-defer-01';
    const started = performance.now();
    const answer = await routes.POST(
      new Request(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed', 'x-request-id': id },
        body: JSON.stringify({
          documentId: hashOf(RecommendWithExplanationsDocument),
          variables: { input: { persona: 'STUDENT', locationType: 'RENT', budget: 1400, limit: 2 } },
        }),
      }),
    );
    await tick();
    expect(handed[0]!.settled).toBe(false);
    const parts = await multipartParts(answer, started);
    expect(parts[0]!.part.data.recommendations.results).toHaveLength(2);
    const explanations = parts.flatMap(({ part }) => part.incremental ?? []).map((step: any) => step.data.explanation);
    expect(explanations).toHaveLength(2);
    expect(parts.at(-1)!.part.hasNext).toBe(false);
    await handed[0]!.promise;
    await eventually(() => shipped(id));
  });
});
