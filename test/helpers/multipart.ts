import { expect } from 'vitest';

/** The JSON parts of a multipart/mixed answer (incremental delivery), each with when it arrived. */
export async function multipartParts(response: Response, started: number): Promise<{ at: number; part: any }[]> {
  const type = response.headers.get('content-type') ?? '';
  expect(type).toContain('multipart/mixed');
  const boundary = `--${/boundary="?([^";]+)"?/.exec(type)![1]!}`;
  const parts: { at: number; part: any }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf(boundary, 1); end !== -1; end = buffer.indexOf(boundary, 1)) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end);
      const json = raw.slice(raw.indexOf('\r\n\r\n') + 4).trim();
      if (json.startsWith('{')) parts.push({ at: performance.now() - started, part: JSON.parse(json) });
      if (end === 0) break;
    }
  }
  return parts;
}
