import { randomUUID } from 'node:crypto';

/** What an upstream proxy or client may send as x-request-id: ids and trace ids, nothing that could inject. */
const SANE = /^[A-Za-z0-9._:-]{8,128}$/;

const ids = new WeakMap<Request, string>();

/**
 * The request's id: the incoming x-request-id when it looks like an id, so one id follows a call through a
 * proxy and this server, else a new UUID. The same Request always gets the same id.
 */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    id = requestIdFrom(request.headers.get('x-request-id'));
    ids.set(request, id);
  }
  return id;
}

/** The id for a request that sent `sent` as its x-request-id (or nothing): that id when it looks like one, else a new UUID. */
export function requestIdFrom(sent: string | null | undefined): string {
  return sent && SANE.test(sent) ? sent : randomUUID();
}
