import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { ConfigError } from './config/env.ts';
import { loadConfig } from './config/config.ts';
import { createApp } from './yoga.ts';

// A .env file beside package.json, if there is one (see .env.example); the real environment wins.
if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const app = createApp(config);
const server = createServer(app.yoga);

server.listen(config.server.port, config.server.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${port}/graphql`;
  app.log('server.listening', { url, env: config.env, engineMode: config.engine.mode, graphiql: config.graphiql });
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log('server.stopping', { signal });
  // Stop taking connections, let requests in flight finish, then stop the engine child.
  server.close();
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 5_000);
  force.unref();
  await app.close();
  app.log('server.stopped', { signal });
  // Ship the last lines (this one, and requests that finished during close) before the process ends.
  await app.flush(1_000);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
