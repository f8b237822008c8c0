import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** Whether a Redis answers at host:port. */
function redisReachable(port = 6379, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: 500 });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The machine's Redis at 127.0.0.1:6379. On a laptop without it the Redis suites skip; in CI (CI set) a
 * missing Redis fails the run instead, so these tests can never silently not run there.
 */
export async function requireRedis(): Promise<boolean> {
  const up = await redisReachable();
  if (!up && process.env.CI) throw new Error('Redis is not reachable at 127.0.0.1:6379, and CI requires the Redis tests');
  return up;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** A Redis server of the test's own, on its own port, that the test can stop and start again. */
export class OwnRedis {
  private child?: ChildProcess;
  constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start() {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && !(await redisReachable(this.port)); i += 1) await new Promise((r) => setTimeout(r, 50));
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
