import { createServer } from 'node:net';

/** The URL of an engine that cannot be reached: a loopback port bound, then let go, so nothing listens there. */
export async function unreachableEngineUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** A query with a field that never needs the engine beside one that does. */
export const PARTIAL = 'query Partial { rateLimit { client tier } areas(first: 2) { nodes { id name } } }';
