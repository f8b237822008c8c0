import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { replaceHeader } from '../src/lib/replace-header.ts';

// The Fetch API Yoga itself answers with.
const { Response } = createYoga({ schema: createSchema({ typeDefs: 'type Query { a: Int }' }) }).fetchAPI;

describe('replacing a header of a response Yoga built', () => {
  it('leaves one, whatever the casing the response was built with', () => {
    // As Yoga builds an SSE or multipart answer: headers capitalised, in a plain object.
    const response = new Response('x', {
      headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' },
    });
    replaceHeader(response.headers, 'cache-control', 'private, no-store');
    replaceHeader(response.headers, 'connection', 'close');
    const names = [...response.headers.keys()].map((name) => name.toLowerCase());
    expect(names.filter((name) => name === 'cache-control')).toHaveLength(1);
    expect(names.filter((name) => name === 'connection')).toHaveLength(1);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('connection')).toBe('close');
  });
});
