import {
  type GraphQLAbstractType,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../bench/lib/random.ts';
import { estimateCost } from '../src/ratelimit/cost.ts';
import { schema } from '../src/schema/index.ts';
import { readCsv } from './helpers/data.ts';
import { multipartParts } from './helpers/multipart.ts';
import { startServer, type TestServer } from './helpers/server.ts';

/**
 * The cost estimate is an upper bound: for generated documents over the real schema, run against the real
 * server and engine, the cost that came back (`actualQueryCost`) is never above the price charged
 * (`requestedQueryCost`). The generator covers nested and repeated fragments (named and inline), aliases,
 * variables with defaults, explicit nulls, @skip/@include, @defer and every list field, leaning on the
 * data's longest lists (the boroughs and stations with the most stations and lines). Under an interface or
 * union it selects fragments on its possible types and on itself, with `__typename` or without, and fetches
 * nodes by the ids the server gave. Seeded: the same documents on every run; COST_SEED=<n> explores others.
 */
const SEED = Number(process.env.COST_SEED ?? 0xc0_57_5e_ed);
const CASES = 600;
const CONCURRENCY = 4;
/** Documents priced above this are generated again, so the suite stays quick; none is refused for cost. */
const MAX_GENERATED_COST = 40_000;

const random = mulberry32(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
const chance = (p: number) => random() < p;

// The data's longest lists: the boroughs with the most stations, the stations on the most lines.
const stations = readCsv('tube_stations.csv');
const stationIds = stations.map((s) => s.id!);
const areaCodes = readCsv('boroughs.csv').map((b) => b.code!);
const stationsPerArea = new Map<string, number>();
for (const s of stations) if (s.borough_code) stationsPerArea.set(s.borough_code, (stationsPerArea.get(s.borough_code) ?? 0) + 1);
const busiestAreas = [...stationsPerArea]
  .sort((a, b) => b[1] - a[1])
  .slice(0, 3)
  .map(([code]) => code);
const linesAt = new Map<string, Set<string>>();
for (const c of readCsv('tube_connections.csv')) {
  for (const s of [c.station1!, c.station2!]) linesAt.set(s, (linesAt.get(s) ?? new Set()).add(c.line!));
}
const busiestStations = [...linesAt]
  .sort((a, b) => b[1].size - a[1].size)
  .slice(0, 5)
  .map(([id]) => id);
const areaCode = () => (chance(0.6) ? pick(busiestAreas) : pick(areaCodes));
const stationId = () => (chance(0.4) ? pick(busiestStations) : pick(stationIds));
const searches = ['', '', 'a', 'st', 'cross', 'park', 'road', ...stations.slice(0, 20).map((s) => s.name!.slice(0, 4).toLowerCase())];

/** Fields that start or read explanation jobs: engine work with a budget of its own, and no list. */
const LEFT_OUT = new Set(['Area.explanation', 'Recommendation.explanation', 'Query.explanation']);

const objectTypes = Object.values(schema.getTypeMap()).filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('__'));
const abstractTypes = Object.values(schema.getTypeMap()).filter(
  (t): t is GraphQLAbstractType => isAbstractType(t) && !t.name.startsWith('__'),
);

/** Every list field of the schema: the generator must have selected each. */
const LIST_FIELDS = objectTypes.flatMap((t) =>
  Object.values(t.getFields())
    .filter((f) => isListType(getNullableType(f.type)))
    .map((f) => `${t.name}.${f.name}`),
);

/**
 * Fields (`Type.field`) that another possible type of an interface or union has under the same name with
 * another type (such as `Persona.key` and `Explanation.key`): side by side in fragments under the interface they
 * would not merge, so each is selected under an alias of its own.
 */
const CLASHING = new Set<string>();
for (const abstract of abstractTypes) {
  const byName = new Map<string, Map<string, string[]>>();
  for (const t of schema.getPossibleTypes(abstract)) {
    for (const f of Object.values(t.getFields())) {
      const types = byName.get(f.name) ?? new Map<string, string[]>();
      types.set(String(f.type), [...(types.get(String(f.type)) ?? []), `${t.name}.${f.name}`]);
      byName.set(f.name, types);
    }
  }
  for (const types of byName.values()) if (types.size > 1) for (const keys of types.values()) for (const k of keys) CLASHING.add(k);
}

/**
 * Global ids for `node(id:)` and `nodes(ids:)`, read from the server before the documents are made (none
 * when the schema has no `node`): the boroughs and stations with the longest lists, and all of them.
 */
const nodeIds = { busiest: [] as string[], all: [] as string[] };
const NODE_IDS_QUERY = '{ areas(first: 100) { nodes { id code } } stations(first: 400) { id code lines { id } } personas { id } }';

async function readNodeIds(url: string) {
  if (!schema.getQueryType()!.getFields().node) return;
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: NODE_IDS_QUERY }),
  });
  const { data } = (await response.json()) as {
    data: {
      areas: { nodes: { id: string; code: string }[] };
      stations: { id: string; code: string; lines: { id: string }[] }[];
      personas: { id: string }[];
    };
  };
  const lines = new Set(data.stations.flatMap((s) => s.lines.map((l) => l.id)));
  for (const { id, code } of [...data.areas.nodes, ...data.stations]) {
    nodeIds.all.push(id);
    if (busiestAreas.includes(code) || busiestStations.includes(code)) nodeIds.busiest.push(id);
  }
  nodeIds.all.push(...lines, ...data.personas.map((p) => p.id));
}
const nodeId = () => (nodeIds.busiest.length > 0 && chance(0.5) ? pick(nodeIds.busiest) : pick(nodeIds.all));

class Generated {
  variableDefinitions: string[] = [];
  variables: Record<string, unknown> = {};
  fragments: string[] = [];
  /** Complete fragments by type, with the object levels they take, for reuse. */
  fragmentsOn = new Map<string, { name: string; depth: number }[]>();
  /** The arguments a field is selected with under its own name: others get an alias (no merge conflicts). */
  canonical = new Map<string, string>();
  lists = new Set<string>();
  /** Whether it selects under an interface or union. */
  abstract = false;
  counter = 0;

  next(prefix: string) {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  }

  /** A variable of `type`, declared with or without a default, sent or not (an explicit null included). */
  variable(type: string, value: () => unknown, literal: (v: unknown) => string = (v) => JSON.stringify(v)): string {
    const name = this.next('v');
    const withDefault = chance(0.5);
    const nullable = !type.endsWith('!');
    this.variableDefinitions.push(`$${name}: ${type}${withDefault ? ` = ${literal(value())}` : ''}`);
    const sent = chance(withDefault || !nullable ? 0.5 : 0.7);
    if (sent || (!nullable && !withDefault)) this.variables[name] = nullable && chance(0.3) ? null : value();
    return `$${name}`;
  }

  /** A list size argument: absent, a number, an explicit null, or a variable that is any of those. */
  size(min: number, max: number, common: number): string | undefined {
    const number = () => pick([min, common, max, min + int(max - min + 1)]);
    return pick([() => undefined, () => String(number()), () => 'null', () => this.variable('Int', number, String)])();
  }

  boolean(): string {
    return chance(0.5) ? String(chance(0.5)) : this.variable('Boolean!', () => chance(0.5), String);
  }
}

const graphqlLiteral = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(graphqlLiteral).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${graphqlLiteral(v)}`)
      .join(', ')} }`;
  }
  return typeof value === 'string' && /^[A-Z][A-Z_]+$/.test(value) ? value : JSON.stringify(value);
};

/** An enum's values, from the schema. */
const enumValues = (name: string) => {
  const type = schema.getType(name);
  return isEnumType(type) ? type.getValues().map((v) => v.name) : [];
};

function recommendationInput(): Record<string, unknown> {
  const buying = chance(0.3);
  const input: Record<string, unknown> = {
    persona: pick(enumValues('PersonaId')),
    budget: buying ? pick([250_000, 600_000, 2_000_000]) : pick([700, 1_500, 3_000, 10_000]),
    locationType: buying ? 'BUY' : 'RENT',
  };
  if (!buying && chance(0.4)) input.size = pick(enumValues('PropertySize'));
  if (chance(0.4)) {
    input.commuteTo = stationId();
    if (chance(0.5)) input.maxCommuteMinutes = pick([30, 60, 120]);
  }
  if (chance(0.2)) input.weights = { commute: pick([0, 1, 5]), safety: pick([0, 2]) };
  const limit = pick([undefined, null, 1, 5, 33, 1 + int(33)]);
  if (limit !== undefined) input.limit = limit;
  return input;
}

/** The arguments of a field as document text ('' for none), or undefined when the generator cannot fill them. */
function argumentsOf(g: Generated, parent: string, field: GraphQLField<unknown, unknown>): string | undefined {
  const text = (args: Record<string, string | undefined>) => {
    const given = Object.entries(args).filter(([, v]) => v !== undefined);
    return given.length > 0 ? `(${given.map(([k, v]) => `${k}: ${v}`).join(', ')})` : '';
  };
  switch (`${parent}.${field.name}`) {
    case 'Query.area':
      return text({ code: JSON.stringify(areaCode()) });
    case 'Query.station':
      // Its one argument is the station's code (digits), whatever it is called.
      return text({ [field.args[0]!.name]: JSON.stringify(stationId()) });
    case 'Query.node':
      if (nodeIds.all.length === 0) return undefined;
      return text({ id: chance(0.3) ? g.variable('ID!', nodeId) : JSON.stringify(nodeId()) });
    case 'Query.nodes': {
      if (nodeIds.all.length === 0) return undefined;
      const ids = () => Array.from({ length: pick([0, 1, 2, 3, 5]) }, nodeId);
      return text({ ids: chance(0.3) ? g.variable('[ID!]!', ids) : JSON.stringify(ids()) });
    }
    case 'Area.commute':
      return text({ to: chance(0.3) ? g.variable('ID!', stationId) : JSON.stringify(stationId()) });
    case 'Housing.rent':
      return text({ size: pick(enumValues('PropertySize')) });
    case 'Query.stations':
      return text({ search: chance(0.5) ? JSON.stringify(pick(searches)) : undefined, first: g.size(1, 400, 50) });
    case 'Query.areas': {
      const filter = pick([
        undefined,
        undefined,
        () => `{ codes: ${JSON.stringify(Array.from({ length: 1 + int(4) }, areaCode))} }`,
        () => `{ innerOuter: ${pick(enumValues('InnerOuter'))} }`,
        () => `{ minPtal: ${pick([1, 3, 5])} }`,
        () => `{ nameContains: ${JSON.stringify(pick(['ham', 'on', 'w']))} }`,
      ]);
      const orderBy = chance(0.4) ? `{ field: ${pick(enumValues('AreaOrderField'))}, direction: ${pick(['ASC', 'DESC'])} }` : undefined;
      return text({ filter: typeof filter === 'function' ? filter() : filter, orderBy, first: g.size(1, 100, 33) });
    }
    case 'Query.recommendations': {
      const input = recommendationInput();
      if (chance(0.4)) return text({ input: g.variable('RecommendationInput!', () => input, graphqlLiteral) });
      if (chance(0.3) && 'limit' in input) {
        // The size as a variable inside the input object.
        const { limit, ...rest } = input;
        return text({ input: graphqlLiteral({ ...rest }).replace(/ }$/, `, limit: ${g.variable('Int', () => limit ?? 10, String)} }`) });
      }
      return text({ input: graphqlLiteral(input) });
    }
    case 'Query.rateLimit': {
      if (chance(0.5)) return '';
      const priced = pick([
        '{ areas(first: 3) { nodes { code } } }',
        '{ stations { name } }',
        'query ($n: Int) { areas(first: $n) { totalCount } }',
      ]);
      return text({
        query: g.variable('String', () => priced),
        variables: chance(0.3) ? JSON.stringify(JSON.stringify({ n: 5 })) : undefined,
      });
    }
    default:
      // Fields of other types take no arguments, or only optional ones the generator leaves out.
      return field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined) ? undefined : '';
  }
}

/** The fields a selection set on `type` may hold with `depth` object levels left below it. */
const selectable = (type: GraphQLObjectType | GraphQLInterfaceType, depth: number) =>
  Object.values(type.getFields()).filter(
    (f) => !LEFT_OUT.has(`${type.name}.${f.name}`) && (depth > 0 || !isCompositeType(getNamedType(f.type))),
  );

/**
 * The object levels a selection set on a type needs to select a list field, by type and by list field
 * (`Type.field`): what lets the generator head for any list at any depth, nested lists under lists included.
 * A whole document's slack in one branch would hide a shortfall in another, so most documents are one such
 * route with a little around it, rather than wide random trees.
 */
const levelsTo = new Map<string, Map<string, number>>([...objectTypes, ...abstractTypes].map((t) => [t.name, new Map()]));
for (let changed = true; changed; ) {
  changed = false;
  for (const t of [...objectTypes, ...abstractTypes]) {
    const mine = levelsTo.get(t.name)!;
    const reaches: [string, number][] = [];
    // Under an interface or union, a fragment on a possible type takes no level of its own.
    if (isAbstractType(t)) for (const possible of schema.getPossibleTypes(t)) reaches.push(...levelsTo.get(possible.name)!);
    else {
      for (const f of Object.values(t.getFields())) {
        if (LEFT_OUT.has(`${t.name}.${f.name}`)) continue;
        const named = getNamedType(f.type);
        if (isListType(getNullableType(f.type))) reaches.push([`${t.name}.${f.name}`, isCompositeType(named) ? 1 : 0]);
        if (isCompositeType(named)) for (const [goal, levels] of levelsTo.get(named.name)!) reaches.push([goal, levels + 1]);
      }
    }
    for (const [goal, levels] of reaches) {
      if (levels < (mine.get(goal) ?? Infinity)) {
        mine.set(goal, levels);
        changed = true;
      }
    }
  }
}

/** A list field reachable from `type` within `depth` levels, or undefined. */
const goalFrom = (type: GraphQLCompositeType, depth: number) => {
  const goals = [...levelsTo.get(type.name)!].filter(([, levels]) => levels <= depth).map(([goal]) => goal);
  return goals.length > 0 ? pick(goals) : undefined;
};

/**
 * The selections of one selection set on `type`, `depth` object levels left below it: the route to `goal`
 * (a list field) when there is one, maybe inside a fragment, and a few random selections beside it.
 */
function selections(g: Generated, type: GraphQLCompositeType, depth: number, goal?: string): string {
  if (isAbstractType(type)) return abstractSelections(g, type, depth, goal);
  const out: string[] = [];
  if (goal) out.push(wrapped(g, type, depth, () => towards(g, type, depth, goal), false));
  for (let n = goal ? (chance(0.6) ? 0 : 1 + int(2)) : chance(0.6) ? 1 : 2 + int(2); n > 0; n -= 1) {
    const roll = random();
    if (roll < 0.1) out.push('__typename');
    else if (roll < 0.25) out.push(wrapped(g, type, depth, (d) => selections(g, type, d)));
    else {
      const fields = selectable(type, depth);
      const lists = fields.filter((f) => isListType(getNullableType(f.type)));
      const field = lists.length > 0 && chance(0.5) ? pick(lists) : pick(fields);
      out.push(field ? fieldSelection(g, type, field, depth) : '__typename');
    }
  }
  return out.join(' ') || '__typename';
}

/**
 * The selections of one selection set on an interface or union: the route to `goal` inside a fragment on a
 * possible type that leads there, and beside it fragments on other possible types and on the type itself,
 * the interface's own fields, and `__typename` (which clients such as Apollo and urql add everywhere).
 */
function abstractSelections(g: Generated, type: GraphQLAbstractType, depth: number, goal?: string): string {
  g.abstract = true;
  const possible = schema.getPossibleTypes(type);
  const out: string[] = chance(0.4) ? ['__typename'] : [];
  if (goal) {
    const via = pick(possible.filter((p) => (levelsTo.get(p.name)!.get(goal) ?? Infinity) <= depth));
    out.push(wrapped(g, via, depth, () => towards(g, via, depth, goal), false, true));
  }
  for (let n = goal ? int(2) : 1 + int(3); n > 0; n -= 1) {
    const roll = random();
    if (roll < 0.1) out.push('__typename');
    else if (roll < 0.55) {
      const on = pick(possible);
      out.push(wrapped(g, on, depth, (d) => selections(g, on, d), true, true));
    } else if (roll < 0.7) out.push(wrapped(g, type, depth, (d) => abstractSelections(g, type, d), true, true));
    else if (isInterfaceType(type)) {
      const fields = selectable(type, depth);
      out.push(fields.length > 0 ? fieldSelection(g, type, pick(fields), depth) : '__typename');
    } else out.push('__typename');
  }
  return out.join(' ') || '__typename';
}

/** One step of the route to `goal`: the goal itself (then maybe on to a list under it), or a field nearer it. */
function towards(g: Generated, type: GraphQLObjectType, depth: number, goal: string): string {
  const [parent, name] = goal.split('.') as [string, string];
  if (parent === type.name) {
    const field = type.getFields()[name]!;
    const named = getNamedType(field.type);
    const next = isCompositeType(named) && chance(0.6) ? goalFrom(named, depth - 1) : undefined;
    return fieldSelection(g, type, field, depth, next);
  }
  const fields = selectable(type, depth).filter((f) => {
    const named = getNamedType(f.type);
    return isCompositeType(named) && (levelsTo.get(named.name)!.get(goal) ?? Infinity) + 1 <= depth;
  });
  return fieldSelection(g, type, pick(fields), depth, goal);
}

/**
 * Selections as they are, or inside an inline fragment, or inside a named fragment (new, or one written
 * before, when the selections are random ones), spread once or twice, some of these deferred or skipped.
 * `typed`: always in a fragment on `type` (selections on a possible type, under an interface or union).
 */
function wrapped(
  g: Generated,
  type: GraphQLCompositeType,
  depth: number,
  make: (depth: number) => string,
  reuse = true,
  typed = false,
): string {
  const roll = typed ? 0.55 + 0.45 * random() : random();
  if (roll < 0.55) return make(depth);
  if (roll < 0.75) {
    const on = typed || chance(0.5) ? ` on ${type.name}` : '';
    const which = random();
    const directive =
      which < 0.15 ? ' @defer' : which < 0.25 ? ` @defer(if: ${g.boolean()})` : which < 0.4 ? ` @skip(if: ${g.boolean()})` : '';
    return `...${on}${directive} { ${make(depth)} }`;
  }
  const reusable = (g.fragmentsOn.get(type.name) ?? []).filter((f) => f.depth <= depth);
  let name: string;
  if (reuse && reusable.length > 0 && chance(0.3)) name = pick(reusable).name;
  else {
    name = g.next('F');
    const body = make(depth);
    g.fragments.push(`fragment ${name} on ${type.name} { ${body} }`);
    g.fragmentsOn.set(type.name, [...(g.fragmentsOn.get(type.name) ?? []), { name, depth }]);
  }
  const once = () => `...${name}${chance(0.1) ? ' @defer' : ''}${chance(0.08) ? ` @include(if: ${g.boolean()})` : ''}`;
  return chance(0.4) ? `${once()} ${once()}` : once();
}

function fieldSelection(
  g: Generated,
  type: GraphQLObjectType | GraphQLInterfaceType,
  field: GraphQLField<unknown, unknown>,
  depth: number,
  goal?: string,
): string {
  const args = argumentsOf(g, type.name, field);
  if (args === undefined) return '__typename';
  const key = `${type.name}.${field.name}`;
  // A field an interface declares is one field with its implementations' (one canonical set of arguments).
  const owner = isObjectType(type) ? (type.getInterfaces().find((i) => Object.hasOwn(i.getFields(), field.name)) ?? type) : type;
  const canonical = `${owner.name}.${field.name}`;
  if (!g.canonical.has(canonical)) g.canonical.set(canonical, args);
  const alias =
    g.canonical.get(canonical) !== args || chance(0.15) ? `${g.next('a')}: ` : CLASHING.has(key) ? `${type.name}_${field.name}: ` : '';
  if (isListType(getNullableType(field.type))) {
    g.lists.add(key);
    if (isInterfaceType(type)) for (const t of schema.getPossibleTypes(type)) g.lists.add(`${t.name}.${field.name}`);
  }
  const directive = chance(0.05) ? ` @${pick(['skip', 'include'])}(if: ${g.boolean()})` : '';
  const named = getNamedType(field.type);
  const children = isCompositeType(named) ? ` { ${selections(g, named, depth - 1, goal)} }` : '';
  return `${alias}${field.name}${args}${directive}${children}`;
}

interface Case {
  query: string;
  variables: Record<string, unknown>;
  lists: Set<string>;
  deferred: boolean;
  abstract: boolean;
}

function generate(): Case {
  const query = schema.getQueryType()!;
  for (;;) {
    const g = new Generated();
    const depth = 1 + int(7);
    const body = selections(g, query, depth, chance(0.85) ? goalFrom(query, depth) : undefined);
    const header = g.variableDefinitions.length > 0 ? `query (${g.variableDefinitions.join(', ')}) ` : 'query ';
    const text = [`${header}{ ${body} }`, ...g.fragments].join('\n');
    const estimate = estimateCost(schema, parse(text), undefined, g.variables);
    if (estimate <= MAX_GENERATED_COST) {
      return { query: text, variables: g.variables, lists: g.lists, deferred: text.includes('@defer'), abstract: g.abstract };
    }
  }
}

describe('the cost estimate', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      MAX_QUERY_COST: '1000000',
      MAX_DEPTH: '20',
      MAX_ALIASES: '1000',
      MAX_DIRECTIVES: '1000',
      MAX_TOKENS: '100000',
      MAX_FIELDS: '100000',
      RATE_LIMIT_INFO_PER_MINUTE: '100000',
    });
    await readNodeIds(server.url);
  });
  afterAll(() => server.close());

  it(`is never below the actual cost, for ${CASES} generated documents`, async () => {
    const cases = Array.from({ length: CASES }, generate);
    const findings: { why: string; query: string; variables: Record<string, unknown> }[] = [];
    const covered = new Set<string>();
    let deferred = 0;
    let abstract = 0;
    let tightest = 0;
    let next = 0;

    async function run(c: Case) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: c.deferred ? 'multipart/mixed' : 'application/graphql-response+json' },
        body: JSON.stringify({ query: c.query, variables: c.variables }),
      });
      const incremental = (response.headers.get('content-type') ?? '').includes('multipart/mixed');
      const body = incremental ? (await multipartParts(response, 0))[0]?.part : await response.json();
      const cost = body?.extensions?.cost;
      if (response.status >= 500) findings.push({ why: `HTTP ${response.status}: ${JSON.stringify(body).slice(0, 300)}`, ...c });
      else if (!cost) findings.push({ why: `not executed: ${JSON.stringify(body?.errors ?? body).slice(0, 300)}`, ...c });
      else if (!(cost.actualQueryCost <= cost.requestedQueryCost)) {
        findings.push({ why: `actual ${cost.actualQueryCost} > requested ${cost.requestedQueryCost}`, ...c });
      } else {
        for (const list of c.lists) covered.add(list);
        if (c.abstract) abstract += 1;
        if (incremental) deferred += 1;
        else if (cost.requestedQueryCost > 0) tightest = Math.max(tightest, cost.actualQueryCost / cost.requestedQueryCost);
      }
    }
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) await run(cases[next++]!);
      }),
    );

    expect
      .soft(
        findings.slice(0, 3),
        `${findings.length} findings: ${[...new Set(findings.map((f) => f.why.slice(0, 60)))].slice(0, 10).join(' | ')}`,
      )
      .toEqual([]);
    // The generator reached what it is meant to cover.
    expect.soft([...LIST_FIELDS].filter((f) => !covered.has(f))).toEqual([]);
    expect.soft(deferred).toBeGreaterThan(20);
    if (abstractTypes.length > 0) expect.soft(abstract).toBeGreaterThan(50);
    console.info(
      `cost property: ${CASES} documents, ${deferred} deferred, ${abstract} under an interface or union, highest actual/requested of the others ${tightest.toFixed(2)}`,
    );
  }, 120_000);
});
