/**
 * When node:http handed each request over, as the fast path (http/hit-path) marks it before it reads the body
 * or runs anything: a request it hands on to Yoga is then timed, in the request log and the metrics, from its
 * arrival rather than from the pipeline's first hook. Keyed by the IncomingMessage, so it goes with it.
 */
const received = new WeakMap<object, number>();

export function markReceived(req: object, at = performance.now()): void {
  received.set(req, at);
}

/** When the request of `serverContext` (Yoga's, with node's `req`) arrived: as marked, else now. */
export function receivedAt(serverContext: unknown): number {
  const req = (serverContext as { req?: object } | undefined)?.req;
  return (req && received.get(req)) ?? performance.now();
}
