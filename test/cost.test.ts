import { readFileSync } from 'node:fs';
import {
  type DirectiveNode,
  type GraphQLObjectType,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { fieldsOverLimit, maxFieldsRule } from '../src/http/max-fields.ts';
import { fieldNodesAt, fragmentsOf } from '../src/lib/field-nodes.ts';
import { actualCost, type CostExtension, estimateCost, INTROSPECTION_COST } from '../src/ratelimit/cost.ts';
import { costTable } from '../src/ratelimit/cost-table.ts';
import { schema } from '../src/schema/index.ts';

const estimate = (query: string, variables?: Record<string, unknown>) => estimateCost(schema, parse(query), undefined, variables);

// Each expected figure is worked out by hand from the weights in the README's table:
// object fields 1, scalars 0, lists × their size, commute 5, recommendations 20.
describe('query cost estimates', () => {
  it('prices a single area by the object fields it selects', () => {
    expect(estimate(`{ area(code: "E09000007") { name } }`)).toBe(1); // area 1, name 0
    expect(estimate(`{ area(code: "E09000007") { name housing { medianRentAll } safety { rank } } }`)).toBe(3); // 1 + 1 + 1
  });

  it("multiplies a connection's nodes by `first`, or its default of 20", () => {
    const dashboard = (first: string) =>
      `{ areas${first} { totalCount nodes { code housing { medianRentAll rent(size: ROOM) { median } } safety { rank } schools { rank } } } }`;
    // areas 1 + 33 × (node 1 + housing 1 + rent 1 + safety 1 + schools 1)
    expect(estimate(dashboard('(first: 33)'))).toBe(1 + 33 * 5);
    expect(estimate(dashboard(''))).toBe(1 + 20 * 5);
    expect(estimate(`query ($n: Int) { areas(first: $n) { nodes { code } } }`, { n: 7 })).toBe(1 + 7 * 1);
  });

  it('charges commute at 5 per area', () => {
    // areas 1 + 33 × (node 1 + commute 5)
    expect(estimate(`{ areas(first: 33) { nodes { commute(to: "145") { minutes } } } }`)).toBe(1 + 33 * 6);
  });

  it('charges recommendations 20 plus their results at `limit`', () => {
    const q = `{ recommendations(input: { persona: STUDENT, budget: 900, locationType: RENT, limit: 5 }) {
      total results { score area { name } breakdown { factor } } excluded { reason { code } } } }`;
    // 20 + results 5 × (1 + area 1 + breakdown 7 × 1) + excluded 33 × (1 + reason 1)
    expect(estimate(q)).toBe(20 + 5 * 9 + 33 * 2);
  });

  it('follows fragments and honours @skip and @include', () => {
    const q = `query ($s: Boolean!) { area(code: "E09000007") { ...A safety @skip(if: $s) { rank } } }
      fragment A on Area { housing { averagePrice } schools @include(if: $s) { rank } }`;
    expect(estimate(q, { s: true })).toBe(1 + 1 + 1); // area, housing, schools
    expect(estimate(q, { s: false })).toBe(1 + 1 + 1); // area, housing, safety
  });

  it('prices introspection as one modest query', () => {
    expect(estimate(`{ __schema { types { name fields { name } } } }`)).toBe(INTROSPECTION_COST);
  });

  it('counts what really came back for the actual cost', () => {
    const q = parse(`{ area(code: "E09000099") { name safety { rank } } areas(first: 33) { nodes { code safety { rank } } } }`);
    expect(estimateCost(schema, q)).toBe(2 + 1 + 33 * 2);
    const data = {
      area: null,
      areas: {
        nodes: [
          { code: 'a', safety: { rank: 1 } },
          { code: 'b', safety: null },
        ],
      },
    };
    // area resolved to null: 1; areas 1 + node 1 + safety 1 + node 1 + null safety 1
    expect(actualCost(schema, q, undefined, undefined, data)).toBe(1 + 1 + 2 + 2);
  });
});

describe('the README', () => {
  it('shows the field weights the schema has (run `npm run cost:table` after changing them)', () => {
    expect(readFileSync(new URL('../README.md', import.meta.url), 'utf8')).toContain(costTable(schema));
  });
});

describe('variables', () => {
  it("prices a list by the operation's default for its size when the variable is not sent", () => {
    const q = `query ($n: Int = 33) { areas(first: $n) { nodes { code safety { rank } } } }`;
    expect(estimateCost(schema, parse(q))).toBe(1 + 33 * 2);
    expect(estimateCost(schema, parse(q), undefined, { n: 5 })).toBe(1 + 5 * 2);
  });
});

/** `...F1 ...F1` nested `levels` deep over `leaf`: 2^levels routes to one field. */
const doubling = (levels: number, leaf: string) =>
  [
    'query { ...F0 }',
    ...Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`),
    `fragment F${levels} on Query { ${leaf} }`,
  ].join('\n');

/** Two aliases of a path back to Area at each of `levels` levels: 2^levels distinct fields. */
const aliasDoubling = (levels: number) =>
  [
    'query { area(code: "E09000033") { ...A0 } }',
    ...Array.from(
      { length: levels },
      (_, i) => `fragment A${i} on Area { transport { nearestStation { station { x: area { ...A${i + 1} } y: area { ...A${i + 1} } } } } }`,
    ),
    `fragment A${levels} on Area { name }`,
  ].join('\n');

describe('fragments', () => {
  it('prices a fragment spread twice once, as execution merges it, however deep the doubling goes', () => {
    // personas: 3 × (1 + id 0); 2^40 routes to it.
    expect(estimate(doubling(40, 'personas { id }'))).toBe(3);
    expect(estimate(doubling(40, 'stations(first: 2) { id lines { id } }'))).toBe(2 * (1 + 6));
  });

  it('merges the fields of one response key, from every fragment that selects it', () => {
    const q = `{ area(code: "E09000007") { name safety { rank } } ...A }
      fragment A on Query { area(code: "E09000007") { housing { averagePrice } safety { period } } }`;
    // area 1 + safety 1 + housing 1, each once
    expect(estimate(q)).toBe(3);
    const data = { area: { name: 'Camden', safety: { rank: 5, period: 'p' }, housing: { averagePrice: 1 } } };
    expect(actualCost(schema, parse(q), undefined, undefined, data)).toBe(3);
  });

  it('prices a document too large to plan over any maximum, without planning it all', () => {
    // Not validated (it is far too deep): 2^40 fields, refused by price alone.
    expect(estimate(aliasDoubling(40))).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('list sizes', () => {
  it('are declared for every list of objects: its own size, or the size its parent gives it', () => {
    const types = Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'));
    const sizedByParent = new Set(
      types.flatMap((t) =>
        Object.values(t.getFields()).flatMap((f) => {
          const sized = (f.extensions?.cost as CostExtension | undefined)?.listSize?.sizedFields ?? [];
          return sized.map((child) => `${getNamedType(f.type).name}.${child}`);
        }),
      ),
    );
    const undeclared = types.flatMap((t) =>
      Object.values(t.getFields())
        .filter((f) => isListType(getNullableType(f.type)) && isCompositeType(getNamedType(f.type)))
        .filter((f) => !(f.extensions?.cost as CostExtension | undefined)?.listSize && !sizedByParent.has(`${t.name}.${f.name}`))
        .map((f) => `${t.name}.${f.name}`),
    );
    // A list without a declared size would be priced at an arbitrary 10, which is no upper bound.
    expect(undeclared).toEqual([]);
  });
});

describe('explicit null for a list size', () => {
  it("prices as the argument's default, which the resolver uses for null", () => {
    // stations: default 50 × (1 + lines at most 6 × 1)
    expect(estimate(`{ stations(first: null) { id lines { id } } }`)).toBe(50 * 7);
    // areas: 1 + default 20 × node 1
    expect(estimate(`{ areas(first: null) { nodes { code } } }`)).toBe(1 + 20);
    expect(estimate(`query ($n: Int) { areas(first: $n) { nodes { code } } }`, { n: null })).toBe(1 + 20);
    expect(estimate(`query ($n: Int = 5) { areas(first: $n) { nodes { code } } }`, { n: null })).toBe(1 + 20);
  });

  it("prices a size without a default at the list's maximum", () => {
    const q = (limit: string) =>
      `{ recommendations(input: { persona: STUDENT, budget: 900, locationType: RENT${limit} }) { results { rank } } }`;
    // 20 + 33 results (the engine ranks every borough when no limit is given)
    expect(estimate(q(', limit: null'))).toBe(20 + 33);
    expect(estimate(q(''))).toBe(20 + 33);
    expect(estimate(q(', limit: 4'))).toBe(20 + 4);
  });
});

describe('the field bound', () => {
  it('counts each response key at each path once, after fragments', () => {
    const q = parse(`{ area(code: "E09000007") { name code } ...A }
      fragment A on Query { area(code: "E09000007") { name housing { averagePrice } } }`);
    // area, name, code, housing, averagePrice
    expect(fieldsOverLimit(q, 5)).toBeUndefined();
    expect(fieldsOverLimit(q, 4)).toMatch(/Field limit of 4 exceeded/);
    expect(fieldsOverLimit(parse(doubling(40, 'personas { id }')), 2)).toBeUndefined();
  });

  it('stops counting once past the bound', () => {
    expect(fieldsOverLimit(parse(aliasDoubling(40)), 1000)).toMatch(/Field limit of 1000 exceeded/);
  });

  it('refuses with QUERY_TOO_COMPLEX and limit "fields", and lets GraphiQL\'s introspection query through', () => {
    const [error] = validate(schema, parse(aliasDoubling(12)), [...specifiedRules, maxFieldsRule(1000)]);
    expect(error?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'fields' });
    const introspection = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    expect(validate(schema, parse(introspection), [...specifiedRules, maxFieldsRule(1000)])).toEqual([]);
  });
});

describe('field nodes at a response path', () => {
  const deferred = (directives: readonly DirectiveNode[] | undefined) => directives?.some((d) => d.name.value === 'defer') ?? false;
  const at = (query: string, path: (string | number)[]) => {
    const document = parse(query);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
    return fieldNodesAt(operation.selectionSet, fragmentsOf(document), path, deferred).map((r) => ({
      name: r.node.name.value,
      deferred: r.deferred,
    }));
  };

  it('finds the node once however many routes lead to it', () => {
    expect(at(doubling(40, 'personas { id }'), ['personas', 0, 'id'])).toEqual([{ name: 'id', deferred: false }]);
  });

  it('tells the routes through a deferred fragment from the others', () => {
    const q = `{ area(code: "E09000007") { ...A @defer ...A } } fragment A on Area { transport { ptal } }`;
    expect(at(q, ['area', 'transport', 'ptal'])).toEqual([
      { name: 'ptal', deferred: true },
      { name: 'ptal', deferred: false },
    ]);
    expect(at(`{ area(code: "E09000007") { ... @defer { name } } }`, ['area', 'name'])).toEqual([{ name: 'name', deferred: true }]);
  });
});
