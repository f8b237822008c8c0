/** One request a client sent through `recordingFetch`, with what came back. */
export interface Sent {
  method: string;
  url: URL;
  accept: string | null;
  /** The JSON body of a POST; undefined for a GET. */
  body: Record<string, any> | undefined;
  status: number;
  contentType: string | null;
}

/** The global fetch, recording every request a client makes through it, so a test can see what went over the wire. */
export function recordingFetch(): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    sent.push({
      method: init?.method ?? 'GET',
      url: new URL(String(input)),
      accept: new Headers(init?.headers).get('accept'),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      status: response.status,
      contentType: response.headers.get('content-type'),
    });
    return response;
  };
  return { fetch: recording, sent };
}

/** A GET's GraphQL parameters as the client put them in the URL, JSON ones parsed. */
export function searchParams(url: URL): Record<string, any> {
  return Object.fromEntries(
    [...url.searchParams].map(([name, value]) => [name, name === 'variables' || name === 'extensions' ? JSON.parse(value) : value]),
  );
}
