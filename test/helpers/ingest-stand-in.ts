import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as sent, gunzipped when it came gzipped. */
  body: string;
}

export type SentryEvent = {
  event_id: string;
  exception?: { values: { type: string; value: string }[] };
  tags?: Record<string, string>;
  request?: { method?: string; url?: string; headers?: Record<string, string> };
  [key: string]: unknown;
};

/**
 * Stands in for Sentry's and Axiom's ingest services, which cannot be reached from here: a local HTTP
 * server that records every request it receives and answers as they do.
 */
export async function ingestStandIn() {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    received.push({ method: req.method!, path: req.url!, headers: req.headers, body });
    const ingest = req.url!.includes('/ingest');
    const lines = body.split('\n').filter(Boolean).length;
    const answer = ingest
      ? { ingested: lines, failed: 0, failures: [], processedBytes: raw.length, blocksCreated: 0, walLength: lines }
      : {};
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const sentryEnvelopes = () => received.filter((r) => r.path.startsWith('/api/1/envelope'));
  const axiomPosts = (dataset: string) => received.filter((r) => r.path.startsWith(`/v1/datasets/${dataset}/ingest`));

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    sentryDsn: `http://publickey@127.0.0.1:${port}/1`,
    sentryEnvelopes,
    /** The error events in every envelope (an envelope is a header line, then item header / payload lines). */
    sentryEvents(): SentryEvent[] {
      const events: SentryEvent[] = [];
      for (const { body } of sentryEnvelopes()) {
        const lines = body.split('\n');
        for (let i = 1; i + 1 < lines.length; i += 2) {
          if (JSON.parse(lines[i]!).type === 'event') events.push(JSON.parse(lines[i + 1]!));
        }
      }
      return events;
    },
    axiomPosts,
    /** Every NDJSON line ingested into `dataset`. */
    axiomLines(dataset: string): Record<string, any>[] {
      return axiomPosts(dataset).flatMap((r) =>
        r.body
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      );
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export type IngestStandIn = Awaited<ReturnType<typeof ingestStandIn>>;

/** Polls until `check` returns something truthy (what reaches a stand-in arrives in the background). */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the stand-in to receive it');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
