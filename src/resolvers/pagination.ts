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

/** Forward cursor pagination over a list already in its final order (Relay connection shape). */
export function paginate<T>(items: readonly T[], first: number, after?: string | null): Connection<T> {
  const start = after ? decodeCursor(after) + 1 : 0;
  const page = items.slice(start, start + first);
  let edges: Connection<T>['edges'] | undefined;
  return {
    // Built when a query asks for edges: a page read by `nodes` (a dashboard's) never encodes a cursor.
    get edges() {
      edges ??= page.map((node, i) => ({ cursor: encodeCursor(start + i), node }));
      return edges;
    },
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
