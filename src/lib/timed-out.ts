/**
 * Requests Node cut at the request timeout, with the id their 408 answer carried (http/http-server.ts). Their
 * log line is written later, where the body's end was awaited (the fast path's reader, or Yoga's), and says
 * 408 `REQUEST_TIMEOUT` with that id: it said 400 `BAD_REQUEST`, under another id when the client sent none
 * (found by an outside tester). Keyed by the IncomingMessage, so it goes with it.
 */
const timedOut = new WeakMap<object, string>();

export function noteTimedOut(req: object, requestId: string): void {
  timedOut.set(req, requestId);
}

/** The id of the 408 `req` was answered with, if the request timeout cut it. */
export function timedOutId(req: object | undefined): string | undefined {
  return req && timedOut.get(req);
}
