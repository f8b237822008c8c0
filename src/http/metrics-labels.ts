import { Kind, parse } from 'graphql';

/**
 * Label values that come from a request, kept to a bounded set: every distinct value is a series of its
 * own in every scrape, so one a client could choose freely would let it grow /metrics (and the heap) at will.
 */

/** The paths this server serves besides GRAPHQL_PATH; every other path is counted as `other`. */
const KNOWN_ROUTES: readonly string[] = ['/health', '/ready', '/metrics'];

/**
 * Without a manifest, how many distinct (type, name) pairs get a series of their own before `other`. Each
 * costs 16 lines of up to about 180 bytes per scrape: 32 keep the whole scrape under 200 KB at worst.
 */
export const MAX_OPERATION_NAMES = 32;
/** A longer name is counted as `other` (GraphQL names are otherwise unbounded). */
export const MAX_OPERATION_NAME_LENGTH = 64;

const known = new Set(KNOWN_ROUTES);

export function routeLabel(pathname: string, graphqlPath: string): string {
  return pathname === graphqlPath || known.has(pathname) ? pathname : 'other';
}

/**
 * The `operation_name` label: `anonymous` for an unnamed operation; with trusted documents, the names in
 * the manifest (anything else, an admin's ad-hoc document say, is `other`); without, the first
 * `MAX_OPERATION_NAMES` pairs seen by this process, then `other`.
 */
export class OperationNameLabels {
  private readonly seen = new Set<string>();

  constructor(
    private readonly allowed?: ReadonlySet<string>,
    private readonly max = MAX_OPERATION_NAMES,
  ) {}

  label(type: string, name: string | undefined): string {
    if (name === undefined) return 'anonymous';
    if (name.length > MAX_OPERATION_NAME_LENGTH) return 'other';
    if (this.allowed) return this.allowed.has(name) ? name : 'other';
    const key = `${type} ${name}`;
    if (this.seen.has(key)) return name;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(key);
    return name;
  }
}

/** The operation names of every document in a trusted-documents manifest (`{ id: document }`). */
export function manifestOperationNames(manifest: Record<string, string>): Set<string> {
  const names = new Set<string>();
  for (const document of Object.values(manifest)) {
    for (const definition of parse(document).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) names.add(definition.name.value);
    }
  }
  return names;
}
