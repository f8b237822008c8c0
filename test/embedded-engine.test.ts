import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createApp } from '../src/yoga.ts';

const query = (app: ReturnType<typeof createApp>, q: string) =>
  app
    .fetch(
      new Request('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: q }),
      }),
    )
    .then((r) => r.json());

describe('the embedded default', () => {
  it('starts python/serve.py once, restarts it when it dies, and stops it on close', async () => {
    const logs: { event: string; pid?: number }[] = [];
    const app = createApp(loadConfig({ NODE_ENV: 'test' }), { log: (event, fields) => logs.push({ event, ...fields }) });
    try {
      const first = await query(app, `{ area(code: "E09000007") { name } }`);
      expect(first.data.area.name).toBe('Camden');
      await query(app, `{ personas { id } }`);
      const started = logs.filter((l) => l.event === 'engine.local.started');
      expect(started).toHaveLength(1);

      process.kill(started[0]!.pid!, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 100));
      let answer: any;
      for (let i = 0; i < 50; i += 1) {
        answer = await query(app, `{ area(code: "E09000033") { name } }`);
        if (!answer.errors) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(answer.data.area.name).toBe('Westminster');
      const restarted = logs.filter((l) => l.event === 'engine.local.started');
      expect(restarted).toHaveLength(2);
      expect(restarted[1]!.pid).not.toBe(restarted[0]!.pid);

      await app.close();
      const pid = restarted[1]!.pid!;
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      await app.close();
    }
  });
});

describe('the engine child', () => {
  it('stops when the server is killed without a chance to stop it', async () => {
    const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: '0', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const events: Record<string, any> = {};
    const lines = createInterface({ input: server.stdout! });
    const seen = (event: string) =>
      new Promise<any>((resolve) => {
        if (events[event]) return resolve(events[event]);
        lines.on('line', (line) => {
          const parsed = JSON.parse(line);
          events[parsed.event] = parsed;
          if (parsed.event === event) resolve(parsed);
        });
      });
    try {
      const { url } = await seen('server.listening');
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ personas { id } }"}' });
      const { pid } = await seen('engine.local.started');
      expect(() => process.kill(pid, 0)).not.toThrow();
      server.kill('SIGKILL');
      let alive = true;
      for (let i = 0; i < 50 && alive; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
