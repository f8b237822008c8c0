import { buildSchema, execute, type GraphQLObjectType, type GraphQLSchema, parse, validate } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../bench/lib/random.ts';
import { inSelectionOrder } from '../src/http/jit.ts';

/**
 * Property: a document compiled by graphql-jit after inSelectionOrder answers the very bytes graphql-js
 * answers (keys in selection order, errors in the same order, `errors` first), over generated documents:
 * fields, aliases, named and inline fragments (nested, repeated, on an interface, a union and their types,
 * without a type condition), @skip/@include that keep what they mark on each, and a field that fails. Seeded: the same documents on
 * every run; JIT_ORDER_SEED=<n> explores others.
 */
const SEED = Number(process.env.JIT_ORDER_SEED ?? 0x0d_e7_0d_e7);
const CASES = 400;

const schema: GraphQLSchema = buildSchema(`
  type Query { area: Area, node: Node, thing: Thing, areas: [Area] }
  interface Node { id: ID }
  type Area implements Node { id: ID code: String name: String population: Int broken: Int next: Area station: Station }
  type Station implements Node { id: ID name: String lines: [String] area: Area }
  union Thing = Area | Station
`);
// A resolver that fails: the errors must come in the same order too.
(schema.getType('Area') as GraphQLObjectType).getFields().broken!.resolve = () => {
  throw new Error('broken on purpose');
};
const station = { __typename: 'Station', id: 's1', name: 'Angel', lines: ['Northern'] } as Record<string, unknown>;
const area = {
  __typename: 'Area',
  id: 'a1',
  code: 'E09000019',
  name: 'Islington',
  population: 216_000,
  station,
} as Record<string, unknown>;
area.next = area;
station.area = area;
const root = { area, node: station, thing: area, areas: [area, area] };

const FIELDS: Record<string, string[]> = {
  Area: ['id', 'code', 'name', 'population', 'broken', 'next', 'station', '__typename'],
  Station: ['id', 'name', 'lines', 'area', '__typename'],
  Node: ['id', '__typename'],
  Thing: ['__typename'],
};
const OBJECT_FIELD: Record<string, string> = { next: 'Area', station: 'Station', area: 'Area' };
/** The types a fragment may be spread on, inside a selection on `type`. */
const SPREADABLE: Record<string, string[]> = {
  Area: ['Area', 'Node'],
  Station: ['Station', 'Node'],
  Node: ['Node', 'Area', 'Station'],
  Thing: ['Area', 'Station'],
};

function generator(seed: number) {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const fragments: string[] = [];
  // Directives that keep what they mark. graphql-jit places a response key where it is first selected,
  // included or not: when that first selection is skipped and a later one is not, graphql-js places it at
  // the later one. That case keeps graphql-jit's order (README, "What we wrote ourselves").
  const directive = () => (random() < 0.2 ? pick([' @skip(if: $no)', ' @include(if: $yes)']) : '');

  function selection(type: string, depth: number): string {
    const parts: string[] = [];
    const count = 1 + Math.floor(random() * 4);
    for (let i = 0; i < count; i += 1) {
      const kind = random();
      if (kind < 0.55 || depth > 3) {
        const field = pick(FIELDS[type]!);
        // A response key may repeat: the same field again, or under its alias (`x_code` is always `code`).
        const alias = random() < 0.3 ? `x_${field.replace(/^__/, '')}: ` : '';
        const sub = OBJECT_FIELD[field];
        parts.push(`${alias}${field}${directive()}${sub ? ` { ${selection(sub, depth + 1)} }` : ''}`);
      } else if (kind < 0.75) {
        const on = pick(SPREADABLE[type]!);
        const condition = random() < 0.25 && on === type ? '' : ` on ${on}`;
        parts.push(`...${condition}${directive()} { ${selection(on, depth + 1)} }`);
      } else {
        const on = pick(SPREADABLE[type]!);
        const name = `F${fragments.length}`;
        fragments.push('');
        fragments[Number(name.slice(1))] = `fragment ${name} on ${on} { ${selection(on, depth + 1)} }`;
        parts.push(`...${name}${directive()}`);
        // The same fragment spread again, somewhere later.
        if (random() < 0.2) parts.push(`...${name}`);
      }
    }
    return parts.length > 0 ? parts.join(' ') : '__typename';
  }

  return () => {
    fragments.length = 0;
    const root = pick(['area', 'node', 'thing', 'areas']);
    const type = { area: 'Area', node: 'Node', thing: 'Thing', areas: 'Area' }[root]!;
    const body = selection(type, 0);
    return [`query Q($yes: Boolean = true, $no: Boolean = false) { ${root} { ${body} } code: area { code } }`, ...fragments].join('\n');
  };
}

describe('graphql-jit in selection order (src/http/jit.ts, inSelectionOrder)', () => {
  it(`answers the bytes graphql-js answers, over ${CASES} generated documents with fragments`, () => {
    const next = generator(SEED);
    let compared = 0;
    let withFragments = 0;
    for (let i = 0; compared < CASES && i < CASES * 3; i += 1) {
      const text = next();
      const document = parse(text);
      // Generated merges can conflict (a key for two fields); those are not documents a server runs.
      if (validate(schema, document).length > 0) continue;
      const expected = JSON.stringify(execute({ schema, document, rootValue: root }));
      const compiled = compileQuery(schema, inSelectionOrder(document));
      if (!isCompiledQuery(compiled)) throw new Error(`not compiled: ${text}`);
      const result = compiled.query(root, {}, {});
      const { errors, data } = result as { errors?: unknown[]; data?: unknown };
      // settledJitResult puts `errors` first, as graphql-js does; compared here as the server sends it.
      const actual = JSON.stringify(errors?.length ? { errors, data } : result);
      expect(actual, text).toBe(expected);
      compared += 1;
      if (text.includes('...')) withFragments += 1;
    }
    expect(compared).toBe(CASES);
    expect(withFragments).toBeGreaterThan(CASES / 2);
  });
});
