import type { CORSOptions, Plugin } from 'graphql-yoga';
import type { SecurityConfig } from '../config/security-env.ts';
import { noteRefusal } from '../lib/refusals.ts';
import { vary } from './http-cache.ts';

/** What a browser script may read from a response: the rate-limit state and the request id. */
const EXPOSED_HEADERS = [
  'RateLimit',
  'RateLimit-Policy',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'x-request-id',
];

const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** An origin on the allow-list (or, in development without one, any localhost origin), or this server's own. */
function originAllowed(origin: string, request: Request, config: SecurityConfig): boolean {
  if (config.corsOrigins.includes(origin)) return true;
  if (config.localhostOrigins && LOCALHOST.test(origin)) return true;
  // GraphiQL served by this server calls it from its own origin (compared by host: a proxy may end TLS).
  if (!config.ownOrigin) return false;
  try {
    return new URL(origin).host === new URL(request.url).host;
  } catch {
    return false;
  }
}

/**
 * Yoga's `cors` option: headers only for an allowed origin, none otherwise (the browser then refuses).
 * Request headers are reflected (clients add their own), which is safe since the origin is checked.
 */
export function corsOptions(config: SecurityConfig) {
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (!origin || !originAllowed(origin, request, config)) return false;
    // PUT and DELETE: graphql-sse's single connection mode reserves and stops streams with them.
    return {
      origin: [origin],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      credentials: false,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    };
  };
}

/**
 * A request whose Origin is not allowed gets 403 before anything runs. CORS alone only stops a browser
 * from reading the answer; a simple cross-site POST would still execute.
 */
export function useOriginPolicy(config: SecurityConfig): Plugin {
  return {
    onResponse({ request, response }) {
      // Yoga's preflight answer differs by Origin (CORS headers for an allowed one only) but names only
      // Access-Control-Request-Headers in Vary: a cache in between must not give one origin's to another.
      if (request.method === 'OPTIONS') vary(response.headers, 'Origin');
    },
    onRequest({ request, endResponse, fetchAPI }) {
      const origin = request.headers.get('origin');
      if (!origin || originAllowed(origin, request, config)) return;
      noteRefusal(request, 'FORBIDDEN_ORIGIN');
      const body = { errors: [{ message: 'This origin is not allowed to call the API.', extensions: { code: 'FORBIDDEN_ORIGIN' } }] };
      endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 403, headers: { 'content-type': 'application/json' } }));
    },
  };
}
