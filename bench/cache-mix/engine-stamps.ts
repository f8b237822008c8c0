import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Added to every crime rate the engine gives once `revise()` is called: a new edition of the crime figures,
 * what an operator sends `invalidateCache(kind: CRIME)` for. Rates per 1,000 people are far below it.
 */
const CRIME_REVISION = 100_000;

/** Whether a `crimeRatePer1000` in an answer is of the new edition. */
export const isRevisedCrimeRate = (rate: number): boolean => rate >= CRIME_REVISION / 2;

const FETCHED_AT = / @(\d+)$/;

/** When the engine gave a persona's `name` (ms since the epoch), as stamped on it; undefined when unstamped. */
export function personaFetchedAt(name: string): number | undefined {
  const match = FETCHED_AT.exec(name);
  return match ? Number(match[1]) : undefined;
}

/**
 * A proxy between the server instances and the engine that marks what the engine answers, so that an answer
 * a client gets says how old its data is. The server itself puts nothing of the kind in an answer (no data
 * version, no time of fetch), so without these marks a stale answer looks the same as a fresh one. Each
 * persona's name ends in ` @<ms since the epoch>`, the time the engine gave it; after `revise()` every crime
 * rate is raised by CRIME_REVISION. Every other answer passes unchanged. It also records the `dataVersion`
 * of every engine answer.
 */
export class EngineStamps {
  /** Every `dataVersion` the engine answered with. */
  readonly dataVersions = new Set<string>();
  private revised = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on a free port of 127.0.0.1 and sends each call on to `engineUrl()`, the engine's current address. */
  static async start(engineUrl: () => Promise<string>): Promise<EngineStamps> {
    let stamps: EngineStamps | undefined;
    const server = createServer(async (req, res) => {
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const base = await engineUrl();
        const answer = await fetch(new URL(req.url ?? '/', base), {
          method: req.method ?? 'GET',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        });
        const text = await answer.text();
        const body = answer.ok ? stamps!.stamp(new URL(req.url ?? '/', base).pathname, text) : text;
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(body);
      } catch (error) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'BENCH_PROXY', message: (error as Error).message, field: null } }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stamps = new EngineStamps(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return stamps;
  }

  /** Crime rates from the engine from now on are the new edition. */
  revise(): void {
    this.revised = true;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private stamp(path: string, text: string): string {
    const answer = JSON.parse(text) as {
      dataVersion?: unknown;
      personas?: { name: string }[];
      crime?: ({ ratePer1000: number | null } | null)[];
    };
    if (typeof answer.dataVersion === 'string') this.dataVersions.add(answer.dataVersion);
    if (path === '/personas' && answer.personas) {
      const now = Date.now();
      for (const persona of answer.personas) persona.name = `${persona.name} @${now}`;
      return JSON.stringify(answer);
    }
    if (path === '/crime' && answer.crime && this.revised) {
      for (const crime of answer.crime) if (crime?.ratePer1000 != null) crime.ratePer1000 += CRIME_REVISION;
      return JSON.stringify(answer);
    }
    return text;
  }
}
