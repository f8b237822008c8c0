import { createGraphQLError, type Plugin } from 'graphql-yoga';

const tooLarge = () =>
  createGraphQLError('Request body too large', { extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } });

/** Content codings that leave the body as it is: none listed, or `identity` (however often). */
const NOT_COMPRESSED = /^[\s,]*(?:identity[\s,]*)*$/i;

const compressedBody = () =>
  createGraphQLError('The request body is compressed (Content-Encoding): send it uncompressed.', {
    extensions: { code: 'UNSUPPORTED_MEDIA_TYPE', http: { status: 415, headers: { 'accept-encoding': 'identity' } } },
  });

/**
 * Refuses a compressed body (415: only identity is read) and a body over `limit` bytes (413), both before it
 * is parsed. Yoga's own limit pipes every body through a
 * TransformStream, which showed in the profile of small queries; a body with a valid Content-Length cannot
 * grow past it (Node's HTTP parser ends it there), so only a body without one (chunked) is counted as read.
 */
export function useBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      // A compressed body would reach the JSON parser as bytes of gzip and be refused as invalid JSON: say
      // what is wrong instead (RFC 9110: 415, with the codings that are read). The value sent is not echoed.
      const coding = request.headers.get('content-encoding');
      if (coding !== null && !NOT_COMPRESSED.test(coding)) throw compressedBody();
      const length = request.headers.get('content-length');
      if (length != null) {
        if (!/^\d+$/.test(length)) {
          throw createGraphQLError('Content-Length header is invalid.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
        }
        if (Number(length) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        const chunks: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size <= limit) chunks.push(chunk);
          // Past the limit the rest is read and dropped (up to a bound), so the client, still sending, gets
          // to read the 413 instead of a reset connection.
          else if (size > limit * 16) break;
        }
        if (size > limit) throw tooLarge();
        return parse(new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) }));
      });
    },
  };
}
