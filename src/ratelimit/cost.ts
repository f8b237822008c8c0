import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  GraphQLIncludeDirective,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isInputObjectType,
  isListType,
  isObjectType,
  type OperationDefinitionNode,
} from 'graphql';
import { type CollectOptions, childSources, collectFields, fragmentsOf, type Reached, type SelectionSource } from '../lib/field-nodes.ts';

/**
 * Cost weights carried in a field's `extensions.cost`, after the IBM GraphQL cost directive spec (which
 * Apollo's and Hive's demand control implement): `weight` replaces the default (1 for a field that returns an
 * object, 0 for a scalar or enum); `listSize` says how long a list it returns can be. Every size is a maximum
 * (a slicing argument's value, or the longest list the data holds), so the estimate is an upper bound of
 * what the answer costs.
 */
export interface CostExtension {
  weight?: number;
  listSize?: {
    /** The longest the list can be when no slicing argument sizes it (the data's maximum). */
    assumedSize?: number;
    /** Arguments (dotted for input fields, e.g. `input.limit`) whose value is the list's length. */
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
  children: PlanField[];
}

/** An operation's cost plan: built once per document (and variables), then used for every answer. */
interface CostPlan {
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
  const plan = planFor(schema, document, operationName, variables);
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
  const build: Build = { schema, variables: values, fragments: fragmentsOf(document), steps, collect };
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
}

/**
 * Selections one plan may visit, which also bounds the fields it holds (each comes from a visited selection).
 * A validated document has passed the field bound (src/http/max-fields.ts): even MAX_FIELDS at its ceiling
 * of 100,000 with every field selected twice fits. This bounds time and memory (tens of MB at most) for a
 * document priced without validation.
 */
const PLAN_STEPS = 250_000;

/**
 * The priced fields of the selection sets merged into one group on `type`, grouped by response key as
 * graphql-js's collectFields groups them (each fragment expanded once per group): linear in the document.
 */
function planGroup(
  build: Build,
  sources: readonly SelectionSource[],
  type: GraphQLNamedType,
  sized: { fields: readonly string[]; size: number } | undefined,
): PlanField[] {
  if (!isObjectType(type)) return [];
  // Fragments are not matched to `type`: a validated document spreads each only where it applies (the schema
  // has no abstract types), and in any other a field the type lacks is skipped.
  const groups = collectFields(sources, build.fragments, build.collect);
  const planned: PlanField[] = [];
  for (const [key, group] of groups) {
    if (build.steps.left < 0) break;
    const field = planField(build, key, group, type, sized);
    if (field) planned.push(field);
  }
  return planned;
}

function planField(
  build: Build,
  key: string,
  group: readonly Reached[],
  type: GraphQLObjectType,
  sized: { fields: readonly string[]; size: number } | undefined,
): PlanField | undefined {
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
    children: children.length > 0 ? planGroup(build, children, named, childSized) : [],
  };
}

function estimateOf(fields: readonly PlanField[]): number {
  let total = 0;
  for (const f of fields) {
    const one = f.weight + estimateOf(f.children);
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
    if (Array.isArray(value)) {
      for (const item of value)
        total += f.weight + (item !== null && typeof item === 'object' && f.children.length > 0 ? walk(f.children, item) : 0);
    } else {
      total +=
        f.weight +
        (value !== null && typeof value === 'object' && f.children.length > 0 ? walk(f.children, value as Record<string, unknown>) : 0);
    }
  }
  return total;
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
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    const fallback = value === null ? defaultOf(field, path) : undefined;
    if (typeof fallback === 'number' && Number.isFinite(fallback) && fallback >= 0) return fallback;
  }
  return ext.listSize?.assumedSize ?? DEFAULT_LIST_SIZE;
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
