import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { ExplanationCharger } from '../explanations/charge.ts';

/**
 * Headers any of which a browser sends cross-site only after a CORS preflight that this server allowed:
 * Yoga's, the GraphQL-over-HTTP spec's, Apollo's, and graphql-sse's stream token.
 */
const CSRF_HEADERS = [
  'x-graphql-yoga-csrf',
  'graphql-require-preflight',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-graphql-event-stream-token',
];

/** What a form can post without a preflight. */
const FORM_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

const CSRF_REFUSED = 'CSRF_HEADER_REQUIRED';

/** The one header a refused client adds (any value): browsers send it cross-site only after a preflight. */
const HEADER = '`x-graphql-yoga-csrf: 1`';

/**
 * Cross-site request forgery. Nothing here authenticates by cookie, but a visitor's address is a client
 * with a budget, so what a page on another site can make a visitor's browser send unasked (a "simple
 * request", which no preflight stops) must neither spend that budget nor start work:
 *
 * - a POST a form can send (urlencoded, multipart, text/plain, or no content type) is refused, unless it
 *   carries one of CSRF_HEADERS; a JSON POST is always preflighted;
 * - a GET runs (urql's default, GraphiQL's subscriptions and a bare EventSource need nothing more), unless
 *   the browser marks it as sent by another site outside CORS (Fetch Metadata: `Sec-Fetch-Site` cross-site
 *   or same-site with `Sec-Fetch-Mode` other than cors: an image, a script, a frame, a link). A CORS GET from
 *   another site carries its Origin, which the origin policy checks;
 * - a GET never starts an explanation job (`getStartsNoJobs`), whoever sent it.
 *
 * A refusal is 403 CSRF_HEADER_REQUIRED and costs nothing (the cost plugin charges no 403). A browser too old
 * to send Fetch Metadata (before 2023) can still be made to run queries on its address's budget, never
 * jobs.
 */
export function useCsrfPolicy(): Plugin {
  return {
    onRequestParse({ request }) {
      if (CSRF_HEADERS.some((name) => request.headers.has(name))) return;
      const why = forgeable(request);
      if (!why) return;
      throw createGraphQLError(why, {
        extensions: { code: CSRF_REFUSED, http: { status: 403 } },
      });
    },
  };
}

/** Why a page on another site could have made a browser send this request unasked, or undefined. */
function forgeable(request: Request): string | undefined {
  if (request.method === 'GET' || request.method === 'HEAD') {
    const site = request.headers.get('sec-fetch-site');
    const mode = request.headers.get('sec-fetch-mode');
    if ((site === 'cross-site' || site === 'same-site') && mode !== 'cors') {
      return `This GET was sent by a page on another site without CORS (an image, a script, a frame or a link): call the API with fetch, or add the header ${HEADER}.`;
    }
    return undefined;
  }
  // Other methods (PUT, DELETE, ...) are always preflighted.
  if (request.method !== 'POST') return undefined;
  const type = request.headers.get('content-type')?.toLowerCase();
  if (type && !FORM_CONTENT_TYPES.some((form) => type.startsWith(form))) return undefined;
  const sent = type ? `content-type ${type.split(';')[0]}` : 'no content-type';
  // Only urlencoded and multipart bodies are read at all; for the others the header would only lead to a 415.
  const readable = type?.startsWith('application/x-www-form-urlencoded') || type?.startsWith('multipart/form-data');
  const orHeader = readable ? `, or add the header ${HEADER}` : '';
  return `A POST with ${sent} can come from a form on any site: send JSON (content-type: application/json)${orHeader}.`;
}

/**
 * The explanation budget of a GET: it never starts a job, so the explanation fields answer POST_REQUIRED
 * (the rest of the query is served). A job already started, or finished, is still read, and one the engine
 * lost is rebuilt, since its start was paid for.
 */
export const getStartsNoJobs: ExplanationCharger = {
  charge() {
    return Promise.reject(
      new GraphQLError(
        'A GET never starts an explanation job: ask with POST (in urql, `preferGetMethod: false`). Explanations already started are read over GET.',
        { extensions: { code: 'POST_REQUIRED' } },
      ),
    );
  },
  refund: () => Promise.resolve(),
};
