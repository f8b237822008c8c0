import manifest from '../operations/generated/persisted-documents.json' with { type: 'json' };
import { ConfigError, loadConfig } from './config/config.ts';
import { type App, createApp } from './yoga.ts';

/** One method of a Next.js route handler: the request in, the answer out (Next's second argument is not read). */
type RouteHandler = (request: Request) => Promise<Response>;

/** The methods GraphQL over HTTP, GraphiQL, CORS preflights and graphql-sse's single connection mode use. */
export interface RouteHandlers {
  GET: RouteHandler;
  POST: RouteHandler;
  PUT: RouteHandler;
  DELETE: RouteHandler;
  OPTIONS: RouteHandler;
}

export interface RouteHandlerOptions {
  /**
   * The platform's `waitUntil` (`waitUntil` of `@vercel/functions` on Vercel): it keeps the function running
   * until the promise settles, after the answer has gone.
   */
  waitUntil: (promise: Promise<unknown>) => void;
}

/** How long the log lines and error events queued by one request may take to send, after its answer. */
const FLUSH_MS = 1_000;

/** Statuses whose answer has no body, which a Response refuses to be given one. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The server as the route handlers of a serverless function (`app/api/graphql/route.ts` in deploy/vercel):
 * ENGINE_MODE must be `modal`, the trusted documents are the manifest built into this bundle (TRUSTED_DOCUMENTS
 * on), and GRAPHQL_PATH names the route's path. The app is built on the first request, not at import: `next
 * build` imports the route without the function's environment. A configuration problem is written to the
 * log once, and every request answers 500 SERVER_MISCONFIGURED.
 *
 * What each request logs, and any error it reports, is sent once its answer has been read to the end (so
 * the deferred parts of a @defer answer and a subscription's events are included), through `waitUntil`:
 * the answer never waits for Axiom or Sentry.
 */
export function createRouteHandlers(options: RouteHandlerOptions): RouteHandlers {
  let app: App | undefined;
  let problem: ConfigError | undefined;

  function appOrProblem(): App | undefined {
    if (app || problem) return app;
    try {
      // Vercel compresses at its edge, and Next's server drops a route's own content-encoding header (the
      // client would get compressed bytes it cannot read): leave compression to the platform. The fast path
      // (hit path, prepared operations) is node:http's handler, which a platform does not call: not built.
      app = createApp(loadConfig(process.env, { serverless: { manifest } }), { compress: false, hitPath: false });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problem = error;
      process.stderr.write(`${error.message}\n`);
    }
    return app;
  }

  const handle: RouteHandler = async (request) => {
    const current = appOrProblem();
    if (!current) return misconfigured();
    const { response, sent } = whenSent(await current.fetch(request));
    options.waitUntil(sent.then(() => current.flush(FLUSH_MS)));
    return response;
  };
  return { GET: handle, POST: handle, PUT: handle, DELETE: handle, OPTIONS: handle };
}

function misconfigured(): Response {
  const error = { message: 'The server is misconfigured: its log names the setting to fix.', extensions: { code: 'SERVER_MISCONFIGURED' } };
  return Response.json({ errors: [error] }, { status: 500 });
}

/**
 * The answer as the platform's own Response (Next.js checks `instanceof Response`, which Yoga's may not
 * pass), its body read through, and a promise that settles once that body is done: read to its end,
 * failed, or cancelled by the client.
 */
function whenSent(answer: Response): { response: Response; sent: Promise<void> } {
  const init = { status: answer.status, statusText: answer.statusText, headers: answer.headers };
  if (!answer.body || NULL_BODY_STATUSES.has(answer.status)) return { response: new Response(null, init), sent: Promise.resolve() };
  let done!: () => void;
  const sent = new Promise<void>((resolve) => {
    done = resolve;
  });
  const reader = answer.body.getReader();
  // Read on demand only, so a slow client still slows the stream down (graphql-sse waits for pulls).
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (!ended) return controller.enqueue(value);
        controller.close();
      } catch (error) {
        controller.error(error);
      }
      done();
    },
    async cancel(reason) {
      done();
      await reader.cancel(reason);
    },
  });
  return { response: new Response(body, init), sent };
}
