import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLArgument,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLInputField,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { type CollectOptions, childSources, collectFields, fragmentsOf, type Reached, type SelectionSource } from '../lib/field-nodes.ts';

/**
 * Cost weights carried in a field's `extensions.cost`, after the IBM GraphQL cost directive spec (which
 * Apollo's and Hive's demand control implement): `weight` replaces the default (1 for a field that returns an
 * object, 0 for a scalar or enum); `listSize` says how long a list it returns can be. Every size is a maximum
 * (a slicing argument's value, or the longest list the data holds), so the estimate is an upper bound of
 * what the answer costs. A field of an interface or union counts, for each item, its costliest possible type.
 */
export interface CostExtension {
  weight?: number;
  listSize?: {
    /** The longest the list can be when no slicing argument sizes it (the data's maximum). */
    assumedSize?: number;
    /**
     * Arguments (dotted for input fields, e.g. `input.limit`) whose value is the list's length: an Int, or a
     * list whose length it is (`nodes(ids: [...])` answers one item per id). The spec names only Int slicing
     * arguments; a list one is this project's extension of it.
     */
    slicingArguments?: string[];
    /** Child fields that are the lists the slicing argument sizes (a connection's `nodes`, `edges`). */
    sizedFields?: string[];
  };
}

/** The size assumed for a list field that says nothing about its length. */
const DEFAULT_LIST_SIZE = 10;
/** Introspection (GraphiQL runs it on every load) is priced as one modest query, not by its huge shape. */
export const INTROSPECTION_COST = 10;

/** One selected field, priced: what the walk over a result needs, with nothing left to look up. */
interface PlanField {
  key: string;
  weight: number;
  list: boolean;
  /** The list's estimated length (its slicing argument, or its assumed size). */
  size: number;
  /** The fields selected on the object it returns (none for an interface or union: see `possible`). */
  children: PlanField[];
  possible?: PossiblePlan;
}

/** The fields selected on an interface or union, planned once for each object type it may come back as. */
interface PossiblePlan {
  byType: ReadonlyMap<string, PlanField[]>;
  /** A response key that is `__typename` for every possible type: with it, an item says which plan it took. */
  typename: string | undefined;
  /** The costliest possible type's fields: what an item counts when its type is not known. */
  most: number;
}

/** An operation's cost plan: built once per document (and variables), then used for every answer. */
export interface CostPlan {
  estimate: number;
  fields: PlanField[];
}

/**
 * What an operation may cost at most, before it runs: every list counts at its requested size (`first`,
 * `limit`) or its assumed size. Linear in the document. Meant for a validated document (unknown fields are
 * skipped, not charged), yet safe on any: one too large to plan is priced at Number.MAX_SAFE_INTEGER.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Record<string, unknown> | null,
): number {
  return planFor(schema, document, operationName, variables)?.estimate ?? 0;
}

/** What an operation really cost: the same weights, with each list counted at the length it came back with. */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  data: unknown,
): number {
  return costOf(planFor(schema, document, operationName, variables), data);
}

/** The cost plan of an operation with these variables, for a caller that prices many results of it (costOf). */
export function costPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): CostPlan | undefined {
  return planFor(schema, document, operationName, variables);
}

/** A result's actual cost by its operation's plan (costPlan): as `actualCost`, without finding the plan again. */
export function costOf(plan: CostPlan | undefined, data: unknown): number {
  return plan && data && typeof data === 'object' ? walk(plan.fields, data as Record<string, unknown>) : 0;
}

// Yoga's parse cache hands out the same DocumentNode for the same query text, so plans are found again by
// document; within a document by operation and variables (bounded, for documents sent with many).
const plans = new WeakMap<DocumentNode, Map<string, CostPlan | undefined>>();
const PLANS_PER_DOCUMENT = 64;

function planFor(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): CostPlan | undefined {
  const key = planKey(operationName, variables);
  // Variables that cannot be written as a key (nested too deep for JSON.stringify) are priced, not kept.
  if (key === undefined) return buildPlan(schema, document, operationName, variables ?? {});
  let byVariables = plans.get(document);
  if (!byVariables) {
    byVariables = new Map();
    plans.set(document, byVariables);
  }
  if (byVariables.has(key)) return byVariables.get(key);
  const plan = buildPlan(schema, document, operationName, variables ?? {});
  if (byVariables.size >= PLANS_PER_DOCUMENT) byVariables.clear();
  byVariables.set(key, plan);
  return plan;
}

function planKey(operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined) {
  try {
    return `${operationName ?? ''}\u0000${variables && Object.keys(variables).length > 0 ? JSON.stringify(variables) : ''}`;
  } catch {
    return undefined;
  }
}

function buildPlan(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): CostPlan | undefined {
  const operation = getOperationAST(document, operationName) ?? undefined;
  const root =
    operation?.operation === 'query'
      ? schema.getQueryType()
      : operation?.operation === 'mutation'
        ? schema.getMutationType()
        : operation && schema.getSubscriptionType();
  if (!operation || !root) return undefined;
  const values = coercedVariables(schema, operation, variables);
  const steps = { left: PLAN_STEPS };
  const collect: CollectOptions = { included: (node) => !skipped(values, node), steps };
  const build: Build = {
    schema,
    variables: values,
    fragments: fragmentsOf(document),
    steps,
    collect,
    collectOn: new Map(),
    possible: new Map(),
    sourceIds: new Map(),
  };
  const fields = planGroup(build, [{ selectionSet: operation.selectionSet, deferred: false }], root, undefined);
  // Only a document that was never validated gets here (the field bound stops the others long before).
  if (build.steps.left < 0) return { fields: [], estimate: Number.MAX_SAFE_INTEGER };
  const estimate = estimateOf(fields);
  // Variables are priced before execution coerces them, so `limit: 1e308` can multiply to Infinity: any such
  // price is simply over the maximum.
  return { fields, estimate: Number.isFinite(estimate) ? estimate : Number.MAX_SAFE_INTEGER };
}

/** The operation's own defaults (`$first: Int = 33`) count; variables that do not coerce are priced as sent. */
function coercedVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>) {
  try {
    return getVariableValues(schema, operation.variableDefinitions ?? [], variables).coerced ?? variables;
  } catch {
    return variables;
  }
}

interface Build {
  schema: GraphQLSchema;
  variables: Record<string, unknown>;
  fragments: Record<string, FragmentDefinitionNode>;
  /** Selections the plan may still visit (see PLAN_STEPS). */
  steps: { left: number };
  collect: CollectOptions;
  /** `collect` for an object of each type met. */
  collectOn: Map<GraphQLObjectType, CollectOptions>;
  /** Interface and union groups already planned, by type, selection sets and size (see planPossible). */
  possible: Map<string, PossiblePlan>;
  /** A number for each selection set met, to key those groups by. */
  sourceIds: Map<SelectionSetNode, number>;
}

/**
 * Selections one plan may visit, which also bounds the fields it holds (each comes from a visited selection).
 * A validated document has passed the field bound (src/http/max-fields.ts): even MAX_FIELDS at its ceiling
 * of 100,000 with every field selected twice fits, unless it selects under interfaces or unions, whose
 * selection sets are visited once per possible type (a handful): such a document at that ceiling may be
 * priced at the maximum rather than planned. At the default bound (1,000) every document fits many times
 * over. This bounds time and memory (tens of MB at most) for a document priced without validation.
 */
const PLAN_STEPS = 250_000;

type Sized = { fields: readonly string[]; size: number } | undefined;

/**
 * The priced fields of the selection sets merged into one group on `type`, grouped by response key as
 * graphql-js's collectFields groups them for an object of that type (each fragment that applies to it
 * expanded once per group): linear in the document. The keys that select `__typename` go to `typenames`.
 */
function planGroup(
  build: Build,
  sources: readonly SelectionSource[],
  type: GraphQLObjectType,
  sized: Sized,
  typenames?: Set<string>,
): PlanField[] {
  let collect = build.collectOn.get(type);
  if (!collect) {
    collect = { ...build.collect, objectType: { schema: build.schema, type } };
    build.collectOn.set(type, collect);
  }
  const groups = collectFields(sources, build.fragments, collect);
  const planned: PlanField[] = [];
  for (const [key, group] of groups) {
    if (build.steps.left < 0) break;
    if (group[0]!.node.name.value === '__typename') {
      typenames?.add(key);
      continue;
    }
    const field = planField(build, key, group, type, sized);
    if (field) planned.push(field);
  }
  return planned;
}

/**
 * The group under an interface or union, planned for each of its possible types (a fragment on another type
 * is left out of each). Every pass takes steps for what it visits, so the passes stay within PLAN_STEPS; and
 * the same selection sets under the same type are planned once, however many possible types above lead to
 * them (`node { related { related { ... } } }` would otherwise be planned once per path of types).
 */
function planPossible(build: Build, sources: readonly SelectionSource[], type: GraphQLAbstractType, sized: Sized): PossiblePlan {
  const ids = sources.map(({ selectionSet }) => {
    const id = build.sourceIds.get(selectionSet) ?? build.sourceIds.size;
    build.sourceIds.set(selectionSet, id);
    return id;
  });
  const key = `${type.name}\u0000${sized ? `${sized.size}:${sized.fields.join(',')}` : ''}\u0000${ids.join(',')}`;
  const known = build.possible.get(key);
  if (known) return known;
  const byType = new Map<string, PlanField[]>();
  let typenames: Set<string> | undefined;
  let most = 0;
  for (const object of build.schema.getPossibleTypes(type)) {
    if (build.steps.left < 0) break;
    const keys = new Set<string>();
    const fields = planGroup(build, sources, object, sized, keys);
    byType.set(object.name, fields);
    typenames = typenames ? new Set([...typenames].filter((k) => keys.has(k))) : keys;
    most = Math.max(most, estimateOf(fields));
  }
  const plan: PossiblePlan = { byType, typename: typenames?.values().next().value, most };
  build.possible.set(key, plan);
  return plan;
}

function planField(build: Build, key: string, group: readonly Reached[], type: GraphQLObjectType, sized: Sized): PlanField | undefined {
  // In a validated document every node of a group selects the same field with the same arguments.
  const node = group[0]!.node;
  const name = node.name.value;
  if (name === '__schema' || name === '__type') return { key, weight: INTROSPECTION_COST, list: false, size: 1, children: [] };
  const fields = type.getFields();
  const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (!field) return undefined;
  const ext = (field.extensions?.cost ?? {}) as CostExtension;
  const named = getNamedType(field.type);
  const size = ext.listSize ? listSize(field, ext, safeArguments(field, node, build.variables)) : DEFAULT_LIST_SIZE;
  const childSized = ext.listSize?.sizedFields ? { fields: ext.listSize.sizedFields, size } : undefined;
  const children = childSources(group);
  return {
    key,
    weight: ext.weight ?? (isCompositeType(named) ? 1 : 0),
    list: isListType(getNullableType(field.type)),
    size: sized?.fields.includes(name) ? sized.size : size,
    children: children.length > 0 && isObjectType(named) ? planGroup(build, children, named, childSized) : [],
    possible: children.length > 0 && isAbstractType(named) ? planPossible(build, children, named, childSized) : undefined,
  };
}

/** Linear in the plan: an interface's or union's groups, which several fields may share, were priced once. */
function estimateOf(fields: readonly PlanField[]): number {
  let total = 0;
  for (const f of fields) {
    const one = f.weight + (f.possible ? f.possible.most : estimateOf(f.children));
    // A list that comes back null still counts its weight once (see walk), even one asked for 0 items.
    total += f.list ? Math.max(f.size * one, f.weight) : one;
  }
  return total;
}

/** The cost of what came back: a null counts its field's weight; a list counts each item it holds. */
function walk(fields: readonly PlanField[], data: Record<string, unknown>): number {
  let total = 0;
  for (const f of fields) {
    const value = data[f.key];
    if (value === undefined) continue; // not resolved (an error above it)
    if (Array.isArray(value)) for (const item of value) total += f.weight + itemCost(f, item);
    else total += f.weight + itemCost(f, value);
  }
  return total;
}

/**
 * What one item's fields cost. An item of an interface or union is walked by its type's plan when it says its
 * type (`__typename`, selected for every possible type); otherwise it counts the costliest type's, as the
 * estimate did, so the actual cost is never above it.
 */
function itemCost(f: PlanField, item: unknown): number {
  if (item === null || typeof item !== 'object') return 0;
  const data = item as Record<string, unknown>;
  if (!f.possible) return f.children.length > 0 ? walk(f.children, data) : 0;
  const { byType, typename, most } = f.possible;
  const type = typename === undefined ? undefined : data[typename];
  const fields = typeof type === 'string' ? byType.get(type) : undefined;
  return fields ? walk(fields, data) : most;
}

/** @skip and @include with the request's variables; a directive that cannot be read counts as selected (priced). */
function skipped(variables: Record<string, unknown>, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (!node.directives?.length) return false;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return true;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false;
  } catch {
    return false;
  }
}

/**
 * The list's length from its first slicing argument that was given, else its assumed size. An explicit null
 * counts as the argument's default, which is what the resolvers use for it (`args.first ?? 20`); an argument
 * without a default falls through to the assumed size, the list's maximum.
 */
function listSize(field: GraphQLField<unknown, unknown>, ext: CostExtension, args: Record<string, unknown>): number {
  for (const path of ext.listSize?.slicingArguments ?? []) {
    const value = path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | null)?.[key], args);
    const given = sizeOf(value) ?? (value === null ? sizeOf(defaultOf(field, path)) : undefined);
    if (given !== undefined) return given;
  }
  return ext.listSize?.assumedSize ?? DEFAULT_LIST_SIZE;
}

/** A slicing argument's size: a count, or a list's length. */
function sizeOf(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The schema's default for an argument, or for an input field inside one (`input.limit`). */
function defaultOf(field: GraphQLField<unknown, unknown>, path: string): unknown {
  const [name, ...rest] = path.split('.');
  let input: GraphQLArgument | GraphQLInputField | undefined = field.args.find((a) => a.name === name);
  for (const key of rest) {
    const type = input && getNamedType(input.type);
    input = type && isInputObjectType(type) ? type.getFields()[key] : undefined;
  }
  return input?.defaultValue;
}

/** Argument values with defaults applied; arguments that do not coerce count as absent (validation reports them). */
function safeArguments(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>) {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return {};
  }
}
