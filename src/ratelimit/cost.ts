import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  getNullableType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Cost weights carried in a field's `extensions.cost`, after the IBM GraphQL cost directive spec (which
 * Apollo's and Hive's demand control implement): `weight` replaces the default (1 for a field that returns an
 * object, 0 for a scalar or enum); `listSize` says how long a list it returns is assumed to be.
 */
export interface CostExtension {
  weight?: number;
  listSize?: {
    assumedSize?: number;
    /** Arguments (dotted for input fields, e.g. `input.limit`) whose value is the list's length. */
    slicingArguments?: string[];
    /** Child fields that are the lists the slicing argument sizes (a connection's `nodes`, `edges`). */
    sizedFields?: string[];
  };
}

/** The size assumed for a list field that says nothing about its length. */
export const DEFAULT_LIST_SIZE = 10;
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
 * What an operation may cost before it runs: every list counts at its requested size (`first`, `limit`) or
 * its assumed size. Run it on a validated document (unknown fields are skipped, not charged).
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
  let byVariables = plans.get(document);
  if (!byVariables) plans.set(document, (byVariables = new Map()));
  const key = `${operationName ?? ''}\u0000${variables && Object.keys(variables).length > 0 ? JSON.stringify(variables) : ''}`;
  if (byVariables.has(key)) return byVariables.get(key);
  const plan = buildPlan(schema, document, operationName, variables ?? {});
  if (byVariables.size >= PLANS_PER_DOCUMENT) byVariables.clear();
  byVariables.set(key, plan);
  return plan;
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
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  // The operation's own defaults (`$first: Int = 33`) count; variables that do not coerce are priced as sent.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  const values = coerced.coerced ?? variables;
  const fields = planFields({ schema, variables: values, fragments }, operation.selectionSet, root, undefined);
  const estimate = estimateOf(fields);
  // Variables are priced before execution coerces them, so `limit: 1e308` can multiply to Infinity: any such
  // price is simply over the maximum.
  return { fields, estimate: Number.isFinite(estimate) ? estimate : Number.MAX_SAFE_INTEGER };
}

interface Build {
  schema: GraphQLSchema;
  variables: Record<string, unknown>;
  fragments: Record<string, FragmentDefinitionNode>;
}

/** The priced fields of a selection set on `type`, fragments flattened (the schema has no abstract types). */
function planFields(
  build: Build,
  selectionSet: SelectionSetNode,
  type: GraphQLNamedType,
  sized: { fields: string[]; size: number } | undefined,
  into: PlanField[] = [],
): PlanField[] {
  if (!isObjectType(type)) return into;
  for (const selection of selectionSet.selections) {
    if (skipped(build, selection)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? build.schema.getType(selection.typeCondition.name.value) : type;
      if (on) planFields(build, selection.selectionSet, on, sized, into);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = build.fragments[selection.name.value];
      const on = fragment && build.schema.getType(fragment.typeCondition.name.value);
      if (fragment && on) planFields(build, fragment.selectionSet, on, sized, into);
      continue;
    }
    const planned = planField(build, selection, type, sized);
    if (planned) into.push(planned);
  }
  return into;
}

function planField(
  build: Build,
  node: FieldNode,
  type: GraphQLObjectType,
  sized: { fields: string[]; size: number } | undefined,
): PlanField | undefined {
  const name = node.name.value;
  const key = node.alias?.value ?? name;
  if (name === '__schema' || name === '__type') return { key, weight: INTROSPECTION_COST, list: false, size: 1, children: [] };
  const field = type.getFields()[name];
  if (!field) return undefined;
  const ext = (field.extensions?.cost ?? {}) as CostExtension;
  const named = getNamedType(field.type);
  const args = ext.listSize ? safeArguments(field, node, build.variables) : {};
  const childSized = ext.listSize?.sizedFields ? { fields: ext.listSize.sizedFields, size: listSize(ext, args) } : undefined;
  return {
    key,
    weight: ext.weight ?? (isCompositeType(named) ? 1 : 0),
    list: isListType(getNullableType(field.type)),
    size: sized?.fields.includes(name) ? sized.size : listSize(ext, args),
    children: node.selectionSet ? planFields(build, node.selectionSet, named, childSized) : [],
  };
}

function estimateOf(fields: readonly PlanField[]): number {
  let total = 0;
  for (const f of fields) {
    const one = f.weight + estimateOf(f.children);
    total += f.list ? f.size * one : one;
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
      for (const item of value) total += f.weight + (item !== null && typeof item === 'object' && f.children.length > 0 ? walk(f.children, item) : 0);
    } else {
      total += f.weight + (value !== null && typeof value === 'object' && f.children.length > 0 ? walk(f.children, value as Record<string, unknown>) : 0);
    }
  }
  return total;
}

function skipped(build: Build, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (!node.directives?.length) return false;
  if (getDirectiveValues(GraphQLSkipDirective, node, build.variables)?.if === true) return true;
  return getDirectiveValues(GraphQLIncludeDirective, node, build.variables)?.if === false;
}

/** The list's length from its first slicing argument that was given, else its assumed size. */
function listSize(ext: CostExtension, args: Record<string, unknown>): number {
  for (const path of ext.listSize?.slicingArguments ?? []) {
    const value = path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | null)?.[key], args);
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return ext.listSize?.assumedSize ?? DEFAULT_LIST_SIZE;
}

/** Argument values with defaults applied; arguments that do not coerce count as absent (validation reports them). */
function safeArguments(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>) {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return {};
  }
}
