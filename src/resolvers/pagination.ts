import { userError } from '../errors.ts';

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PREFIX = 'offset:';

export function encodeCursor(offset: number): string {
  return Buffer.from(`${PREFIX}${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const offset = Number(text.slice(PREFIX.length));
  if (!text.startsWith(PREFIX) || !Number.isInteger(offset) || offset < 0) {
    throw userError('`after` is not a cursor this server handed out.', 'after');
  }
  return offset;
}

/** An edge whose cursor is encoded when it is read: a page asked for by `nodes` never encodes one. */
function edge<T>(node: T, offset: number): { cursor: string; node: T } {
  return {
    node,
    get cursor() {
      return encodeCursor(offset);
    },
  };
}

/** Forward cursor pagination over a list already in its final order (Relay connection shape). */
export function paginate<T>(items: readonly T[], first: number, after?: string | null): Connection<T> {
  const start = after ? decodeCursor(after) + 1 : 0;
  const page = items.slice(start, start + first);
  const edges = page.map((node, i) => edge(node, start + i));
  return {
    edges,
    nodes: page,
    totalCount: items.length,
    pageInfo: {
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: page.length > 0 ? encodeCursor(start) : null,
      endCursor: page.length > 0 ? encodeCursor(start + page.length - 1) : null,
    },
  };
}
