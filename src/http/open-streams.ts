/** Which bound a stream would pass: the client's own, or the process's. */
export type StreamLimit = 'streamsPerClient' | 'streams';

/**
 * Open streams (SSE or multipart answers, and graphql-sse reservations) per client and in the process. Each
 * holds a connection and 15 to 45 KB of heap for as long as it is open, however little it sends, so their
 * number is bounded, not only the rate at which they are opened.
 */
export class OpenStreams {
  private readonly byClient = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perClient: number,
    private readonly max: number,
  ) {}

  /** Takes a slot for `client`; the limit it would pass instead, taking nothing. */
  take(client: string): StreamLimit | undefined {
    const held = this.byClient.get(client) ?? 0;
    if (held >= this.perClient) return 'streamsPerClient';
    if (this.total >= this.max) return 'streams';
    this.byClient.set(client, held + 1);
    this.total += 1;
    return undefined;
  }

  /** Gives back a slot `take` gave: call it exactly once per slot. */
  release(client: string): void {
    const held = this.byClient.get(client) ?? 0;
    if (held <= 0) return;
    if (held === 1) this.byClient.delete(client);
    else this.byClient.set(client, held - 1);
    this.total -= 1;
  }
}
