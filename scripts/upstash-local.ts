// Local Upstash REST endpoint over a real Redis, for development: `npm run upstash:local`.
// Prints the two variables @upstash/redis reads (Redis.fromEnv()), so the output can be appended to .env.
import { startUpstashLocal } from '../src/cache/upstash-local.ts';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const portText = process.env.UPSTASH_LOCAL_PORT || '8079';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`UPSTASH_LOCAL_PORT must be an integer from 0 to 65535, got "${portText}"`);
  process.exit(1);
}

try {
  const server = await startUpstashLocal({ redisUrl, port, token: process.env.UPSTASH_LOCAL_TOKEN || undefined });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`upstash-local: error while stopping on ${signal}:`, err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Printed only once the handlers are in place, so a supervisor that reads the lines and then signals
  // always gets a clean stop. stdout carries only these two lines; anything else goes to stderr.
  process.stdout.write(`UPSTASH_REDIS_REST_URL=${server.url}\nUPSTASH_REDIS_REST_TOKEN=${server.token}\n`);
} catch (err) {
  // REDIS_URL may carry a password, so it is not echoed.
  const reason = err instanceof Error ? err.message : String(err);
  console.error(`upstash-local: could not start (is Redis up at REDIS_URL?): ${reason}`);
  process.exit(1);
}
