import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualCost, estimateCost, INTROSPECTION_COST } from '../src/ratelimit/cost.ts';
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

  it('multiplies a connection\'s nodes by `first`, or its default of 20', () => {
    const dashboard = (first: string) => `{ areas${first} { totalCount nodes { code housing { medianRentAll rent(size: ROOM) { median } } safety { rank } schools { rank } } } }`;
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
    const data = { area: null, areas: { nodes: [{ code: 'a', safety: { rank: 1 } }, { code: 'b', safety: null }] } };
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
  it('prices a list by the operation\'s default for its size when the variable is not sent', () => {
    const q = `query ($n: Int = 33) { areas(first: $n) { nodes { code safety { rank } } } }`;
    expect(estimateCost(schema, parse(q))).toBe(1 + 33 * 2);
    expect(estimateCost(schema, parse(q), undefined, { n: 5 })).toBe(1 + 5 * 2);
  });
});
