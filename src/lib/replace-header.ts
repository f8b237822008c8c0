/**
 * Sets a response header, replacing one already there in any casing. Yoga builds its stream responses (SSE,
 * multipart) with headers such as `Cache-Control` and `Connection` capitalised, and the Fetch implementation
 * under it (@whatwg-node) keeps such a header beside the one `set` adds: an SSE answer went out with both
 * `Cache-Control: no-cache` and `cache-control: private, no-store`. Deleting first leaves one.
 */
export function replaceHeader(headers: Headers, name: string, value: string): void {
  headers.delete(name);
  headers.set(name, value);
}
