import { existsSync } from 'node:fs';
import { type AddressInfo, Server as NetServer } from 'node:net';
import { type Config, ConfigError, loadConfig } from './config/config.ts';
import { trackOpenRequests } from './http/drain.ts';
import { createHttpServer } from './http/http-server.ts';
import { serveMetricsOn } from './http/metrics-listener.ts';
import { createApp } from './yoga.ts';

// A .env file beside package.json, if there is one (see .env.example); the real environment wins.
if (existsSync('.env')) process.loadEnvFile('.env');

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
const config = configOrExit();

/** After the drain deadline, how long the streams just ended get to write their last part. */
const FINAL_WRITE_MS = 1_000;
/**
 * Connections idle when the drain begins are closed after this, not at once: a kept-alive client between two
 * requests has its next one on the wire, and closing the connection under it reset that request (every busy
 * connection of a load test was reset: an outside tester's finding). Within this it is answered, with
 * `Connection: close`, like every answer of the drain; the connections then close from the client's side.
 */
const IDLE_GRACE_MS = 500;

const app = createApp(config);
const server = createHttpServer(app.handler, config.server, app.log);
const open = trackOpenRequests(server);

server.listen(config.server.port, config.server.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.host === '0.0.0.0' ? 'localhost' : config.server.host}:${port}${config.graphqlPath}`;
  app.log('server.listening', { url, env: config.env, engineMode: config.engine.mode, graphiql: config.graphiql });
});

// Listeners closed after the drain, so that scrapes keep working while the server drains.
const closeAlso: (() => Promise<void> | void)[] = [];

// METRICS_PORT: /metrics on its own loopback listener; the public port then does not serve it.
if (config.metrics.port !== undefined) {
  const metricsServer = serveMetricsOn(config.metrics.port, app.metrics.registry, { token: config.metrics.token });
  metricsServer.on('listening', () => {
    const { port } = metricsServer.address() as AddressInfo;
    app.log('metrics.listening', { url: `http://127.0.0.1:${port}/metrics` });
  });
  closeAlso.push(() => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    // A second signal: do not wait for the deadline.
    app.drain.expire();
    return;
  }
  stopping = true;
  const drainMs = config.server.shutdownDrainMs;
  app.log('server.stopping', { signal, openRequests: open.count, drainMs });
  // /ready answers 503 and answers carry `Connection: close`; no new connection is accepted, and kept-alive
  // ones with no request in flight are closed after IDLE_GRACE_MS.
  app.drain.begin();
  // net.Server's close: no new connection is accepted. (http.Server's would also close idle ones at once.)
  const allClosed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
  const closeIdle = setTimeout(() => server.closeIdleConnections(), IDLE_GRACE_MS);
  // Requests, @defer streams and subscriptions in flight finish, with the engine still running.
  let drained = await open.settled(drainMs, app.drain.expired);
  if (!drained) {
    app.log('server.drain.deadline', { openRequests: open.count, drainMs });
    // Streams still open end with a SHUTTING_DOWN error, operations still running answer with it.
    app.drain.expire();
    drained = await open.settled(FINAL_WRITE_MS);
  }
  // Every answer of the drain said Connection: close. The clients close those connections; what is left
  // after a last grace (a body still arriving, say) is cut now.
  await Promise.race([allClosed, new Promise((resolve) => setTimeout(resolve, IDLE_GRACE_MS))]);
  clearTimeout(closeIdle);
  server.closeAllConnections();
  await Promise.all(closeAlso.map(async (close) => close()));
  await app.close();
  app.log('server.stopped', { signal, drained });
  // Ship the last lines (this one, and requests that finished during the drain) before the process ends.
  await app.flush(1_000);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
