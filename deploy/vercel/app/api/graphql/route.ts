import { waitUntil } from '@vercel/functions';
import { createRouteHandlers } from 'veo-bff/serverless';

// The whole server, at this route's path: set GRAPHQL_PATH=/api/graphql with the rest of the environment
// (README, "Deploying"). What each request logs is sent after its answer, kept alive by waitUntil.
export const { GET, POST, PUT, DELETE, OPTIONS } = createRouteHandlers({ waitUntil });

// Node.js, not the Edge runtime: the server uses node: modules (crypto, streams, http).
export const runtime = 'nodejs';

// Every request reaches the server: Next prerenders and caches nothing of this route.
export const dynamic = 'force-dynamic';

// Seconds. A subscription (SSE) follows an explanation job until it is READY or FAILED, and a job runs at
// most 120 s on Modal (python/modal_app.py); a @defer answer waits at most EXPLANATION_DEFER_WAIT_MS (8 s)
// for its jobs; the warming cron's warmCache waits up to 60 s. 300 covers all three with room, and is both
// Vercel's default and the Hobby plan's ceiling with Fluid compute. A graphql-sse stream still open then
// is closed, and its client connects again.
export const maxDuration = 300;
