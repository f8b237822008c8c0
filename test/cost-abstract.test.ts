import {
  type DocumentNode,
  execute,
  GraphQLBoolean,
  GraphQLID,
  GraphQLInt,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  Kind,
  parse,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { collectFields, fragmentsOf } from '../src/lib/field-nodes.ts';
import { actualCost, type CostExtension, estimateCost } from '../src/ratelimit/cost.ts';

/**
 * A small schema with what the real one does not have yet: an interface whose two implementations differ
 * a lot in price (a Dear node's `report` costs 50), a union of them, and `nodes(ids:)` sized by its list.
 */
interface Stored {
  kind: 'Cheap' | 'Dear';
  id: string;
  relatedId: string;
  items: number;
}
const STORED: Record<string, Stored> = {
  c1: { kind: 'Cheap', id: 'c1', relatedId: 'd1', items: 0 },
  d1: { kind: 'Dear', id: 'd1', relatedId: 'c1', items: 5 },
};
const byId = (id: string) => STORED[id] ?? null;
const cost = (c: CostExtension) => ({ cost: c });

const Node: GraphQLInterfaceType = new GraphQLInterfaceType({
  name: 'Node',
  fields: () => ({ id: { type: new GraphQLNonNull(GraphQLID) }, related: { type: Node } }),
  resolveType: (value: Stored) => value.kind,
});
const nodeFields = {
  id: { type: new GraphQLNonNull(GraphQLID) },
  related: { type: Node, resolve: (n: Stored) => byId(n.relatedId) },
};
const Item = new GraphQLObjectType({ name: 'Item', fields: { id: { type: new GraphQLNonNull(GraphQLID) } } });
const Report = new GraphQLObjectType({ name: 'Report', fields: { text: { type: GraphQLString } } });
const Cheap = new GraphQLObjectType({
  name: 'Cheap',
  interfaces: [Node],
  fields: { ...nodeFields, name: { type: GraphQLString, resolve: () => 'cheap' } },
});
const Dear = new GraphQLObjectType({
  name: 'Dear',
  interfaces: [Node],
  fields: {
    ...nodeFields,
    report: { type: Report, extensions: cost({ weight: 50 }), resolve: () => ({ text: 'long' }) },
    items: {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Item))),
      args: { first: { type: GraphQLInt, defaultValue: 5 } },
      extensions: cost({ listSize: { slicingArguments: ['first'] } }),
      resolve: (n: Stored, args: { first: number }) => Array.from({ length: Math.min(args.first, n.items) }, (_, i) => ({ id: `i${i}` })),
    },
  },
});
const Found = new GraphQLUnionType({ name: 'Found', types: [Cheap, Dear], resolveType: (value: Stored) => value.kind });
const schema = new GraphQLSchema({
  types: [Cheap, Dear],
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      node: { type: Node, args: { id: { type: new GraphQLNonNull(GraphQLID) } }, resolve: (_, args: { id: string }) => byId(args.id) },
      nodes: {
        type: new GraphQLNonNull(new GraphQLList(Node)),
        args: { ids: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLID))) } },
        extensions: cost({ listSize: { slicingArguments: ['ids'] } }),
        resolve: (_, args: { ids: string[] }) => args.ids.map(byId),
      },
      search: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Found))),
        extensions: cost({ listSize: { assumedSize: 4 } }),
        resolve: () => [STORED.c1, STORED.d1, STORED.d1],
      },
      cheap: { type: Cheap, resolve: () => STORED.c1 },
      flag: { type: GraphQLBoolean },
    },
  }),
});

const estimate = (query: string, variables?: Record<string, unknown>) => estimateCost(schema, parse(query), undefined, variables);

/** The estimate and the actual cost of running the document on the schema above (it must be valid). */
async function run(query: string, variables?: Record<string, unknown>) {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const result = await execute({ schema, document, variableValues: variables });
  expect(result.errors).toBeUndefined();
  return {
    estimate: estimateCost(schema, document, undefined, variables),
    actual: actualCost(schema, document, undefined, variables, result.data),
  };
}

describe('fields of an interface or union', () => {
  it('are priced at their costliest possible type', async () => {
    const q = (id: string) => `{ node(id: "${id}") { id ... on Cheap { name } ... on Dear { report { text } items(first: 3) { id } } } }`;
    // node 1 + the larger of Cheap (name 0) and Dear (report 50 + items 3 × 1)
    expect(await run(q('d1'))).toEqual({ estimate: 54, actual: 54 });
    // The answer does not say it is a Cheap node, so it counts as the costliest.
    expect(await run(q('c1'))).toEqual({ estimate: 54, actual: 54 });
    expect(await run(q('none'))).toEqual({ estimate: 54, actual: 1 });
  });

  it('follow named fragments and inline ones, on the interface and on each type, each only where it applies', async () => {
    const fragments = `fragment C on Cheap { name } fragment D on Dear { report { text } } fragment N on Node { related { id } }`;
    // node 1 + related 1 for both types + report 50 for Dear
    expect(await run(`{ node(id: "c1") { ...C ...D ...N ...N } } ${fragments}`)).toEqual({ estimate: 52, actual: 52 });
    expect(await run(`{ node(id: "d1") { ...N } } fragment N on Node { related { id } }`)).toEqual({ estimate: 2, actual: 2 });
    // A fragment on Dear under a Cheap node's `related` (a Node again): node 1 + related 1 + Dear's items 2 × 1
    const nested = `{ node(id: "c1") { ... on Cheap { related { ... on Dear { items(first: 2) { id } } } } } }`;
    expect(await run(nested)).toEqual({ estimate: 4, actual: 4 });
    // An inline fragment without a type condition applies to every type.
    expect(await run(`{ node(id: "c1") { ... { related { id } } } }`)).toEqual({ estimate: 2, actual: 2 });
  });

  it('honour @skip and @include inside the fragments', async () => {
    const q = `query ($dear: Boolean!) { node(id: "d1") { ... on Dear @include(if: $dear) { report { text } } ...C @skip(if: $dear) } }
      fragment C on Cheap { related { id } }`;
    expect(await run(q, { dear: true })).toEqual({ estimate: 51, actual: 51 });
    // Now only Cheap selects anything: node 1 + related 1; the Dear node that came back selects nothing.
    expect(await run(q, { dear: false })).toEqual({ estimate: 2, actual: 2 });
  });

  it('count what came back when every possible type selects `__typename` under one key', async () => {
    const q = (id: string, typename: string) =>
      `{ node(id: "${id}") { ${typename} ... on Dear { report { text } items(first: 3) { id } } } }`;
    expect(await run(q('c1', '__typename'))).toEqual({ estimate: 54, actual: 1 });
    expect(await run(q('c1', 'kind: __typename'))).toEqual({ estimate: 54, actual: 1 });
    // Dear answered 2 of the 3 items asked for.
    expect(await run(q('d1', '__typename').replace('first: 3', 'first: 2'))).toEqual({ estimate: 53, actual: 53 });
    // Dear holds 5 items of the 9 asked for.
    expect(await run(q('d1', '__typename').replace('first: 3', 'first: 9'))).toEqual({ estimate: 60, actual: 56 });
    // Each type's own fragments: a Cheap node's `related` is not priced by what Dear selects under its own.
    const apart = `{ node(id: "c1") { __typename ... on Cheap { related { id } } ... on Dear { related { ... on Dear { report { text } } } } } }`;
    expect(await run(apart)).toEqual({ estimate: 52, actual: 2 });
    // Only Cheap says its type: a Cheap node is still counted as the costliest.
    expect(await run(`{ node(id: "c1") { ... on Cheap { __typename } ... on Dear { report { text } } } }`)).toEqual({
      estimate: 51,
      actual: 51,
    });
  });

  it('of a union are priced the same way', async () => {
    const q = (typename: string) => `{ search { ${typename} ... on Cheap { related { id } } ... on Dear { report { text } } } }`;
    // 4 assumed × (1 + the larger of Cheap's related 1 and Dear's report 50); 3 came back
    expect(await run(q(''))).toEqual({ estimate: 4 * 51, actual: 3 * 51 });
    expect(await run(q('__typename'))).toEqual({ estimate: 4 * 51, actual: 2 + 51 + 51 });
  });
});

describe('a list slicing argument', () => {
  const selection = '{ ... on Dear { report { text } } }';

  it('sizes the list by its length, given inline or as a variable', async () => {
    // 3 ids × (1 + 50); a null node counts 1
    expect(await run(`{ nodes(ids: ["c1", "d1", "none"]) ${selection} }`)).toEqual({ estimate: 153, actual: 51 + 51 + 1 });
    expect(await run(`{ nodes(ids: ["c1", "d1", "none"]) { __typename ${selection.slice(1)} }`)).toEqual({ estimate: 153, actual: 53 });
    expect(await run(`query ($ids: [ID!]!) { nodes(ids: $ids) ${selection} }`, { ids: ['d1', 'd1'] })).toEqual({
      estimate: 102,
      actual: 102,
    });
    expect(await run(`query ($ids: [ID!]! = ["d1", "c1"]) { nodes(ids: $ids) ${selection} }`)).toMatchObject({ estimate: 102 });
  });

  it('counts one item for a single value given for a list, and none for an empty list', async () => {
    expect(await run(`{ nodes(ids: "d1") ${selection} }`)).toEqual({ estimate: 51, actual: 51 });
    expect(await run(`query ($ids: [ID!]!) { nodes(ids: $ids) ${selection} }`, { ids: 'd1' })).toEqual({ estimate: 51, actual: 51 });
    // An empty list still counts the field's weight once, as a null would.
    expect(await run(`{ nodes(ids: []) ${selection} }`)).toEqual({ estimate: 1, actual: 0 });
  });
});

/** Each level selects `related` twice under two aliases, through a fragment on the interface: 2^levels paths. */
const doubling = (levels: number) =>
  [
    '{ node(id: "c1") { ...A0 } }',
    ...Array.from({ length: levels }, (_, i) => `fragment A${i} on Node { x: related { ...A${i + 1} } y: related { ...A${i + 1} } }`),
    `fragment A${levels} on Node { ... on Dear { report { text } } }`,
  ].join('\n');

describe('planning under interfaces', () => {
  it('plans a group once for every possible type above it, however deep they nest', () => {
    // Planned once per path of types, 60 levels of two types would be 2^60 passes.
    const deep = `{ node(id: "c1") { ${'related { '.repeat(60)}id${' }'.repeat(60)} } }`;
    expect(estimate(deep)).toBe(61);
    // 2^40 paths, each group planned once: 1 + (2^41 - 2) relateds + 2^40 reports × 50, a finite price.
    expect(estimate(doubling(40))).toBe(1 + (2 ** 41 - 2) + 2 ** 40 * 50);
  });

  it('counts every pass over a selection set against the bound on planning', () => {
    const ids = Array.from({ length: 130_000 }, () => 'id').join(' ');
    // The same selections on an object are planned in one pass and priced.
    expect(estimate(`{ cheap { ${ids} } }`)).toBe(1);
    // Under the interface they are visited once per possible type: past the bound, priced at the maximum.
    expect(estimate(`{ node(id: "c1") { ${ids} } }`)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('collecting the fields for one object type', () => {
  const document = parse(`{ node(id: "c1") { id ... on Cheap { name } ... on Dear { report { text } } ... on Node { related { id } }
    ...D ...D ... { cheapOrDear: id } } } fragment D on Dear { items { id } }`);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  const node = operation.selectionSet.selections[0]!;
  const keysFor = (type?: GraphQLObjectType, doc: DocumentNode = document) => {
    if (node.kind !== Kind.FIELD || !node.selectionSet) throw new Error('expected a field');
    const options = type ? { objectType: { schema, type } } : {};
    return [...collectFields([{ selectionSet: node.selectionSet, deferred: false }], fragmentsOf(doc), options)].map(([k, g]) => [
      k,
      g.length,
    ]);
  };

  it('expands only the fragments that apply to it, each once', () => {
    expect(keysFor(Cheap)).toEqual([
      ['id', 1],
      ['name', 1],
      ['related', 1],
      ['cheapOrDear', 1],
    ]);
    expect(keysFor(Dear)).toEqual([
      ['id', 1],
      ['report', 1],
      ['related', 1],
      ['items', 1],
      ['cheapOrDear', 1],
    ]);
    // Without a type, every fragment, as the field bound counts them.
    expect(keysFor().map(([k]) => k)).toEqual(['id', 'name', 'report', 'related', 'items', 'cheapOrDear']);
  });
});
