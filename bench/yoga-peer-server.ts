/**
 * The peer to beat: what a team gets off the shelf. Stock graphql-yoga (`createYoga` with its defaults) and
 * Yoga's own response-cache plugin, one cache entry for every client (`session: () => null`), over the same
 * schema and in-memory data as the strict minimal (bench/lib/prepared-schema.ts).
 *
 *   node --import tsx bench/yoga-peer-server.ts [--port 0] [--host 127.0.0.1]
 *
 * Prints `yoga-peer listening on http://HOST:PORT` once it accepts connections. Yoga's endpoints: /graphql
 * (GET and POST) and /health.
 */
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import { createYoga } from 'graphql-yoga';
import { listen } from './lib/listen.ts';
import { preparedSchema } from './lib/prepared-schema.ts';

const yoga = createYoga({ schema: await preparedSchema(), plugins: [useResponseCache({ session: () => null })] });

listen('yoga-peer', yoga);
