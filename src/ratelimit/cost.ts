import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
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

interface Walk {
  schema: GraphQLSchema;
  variables: Record<string, unknown>;
  fragments: Record<string, FragmentDefinitionNode>;
}

export function operationOf(document: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
}

function walkOf(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined): Walk {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return { schema, variables: variables ?? {}, fragments };
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode) {
  return operation.operation === 'query'
    ? schema.getQueryType()
    : operation.operation === 'mutation'
      ? schema.getMutationType()
      : schema.getSubscriptionType();
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
  const operation = operationOf(document, operationName);
  const root = operation && rootType(schema, operation);
  if (!operation || !root) return 0;
  const cost = selectionCost(walkOf(schema, document, variables), operation.selectionSet, root, undefined, undefined);
  // Variables are priced before execution coerces them, so `limit: 1e308` can multiply to Infinity, which
  // the cost histogram refuses with a TypeError (an HTTP 500). Any such price is simply over the maximum.
  return Number.isFinite(cost) ? cost : Number.MAX_SAFE_INTEGER;
}

/** What an operation really cost: the same weights, with each list counted at the length it came back with. */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  data: unknown,
): number {
  const operation = operationOf(document, operationName);
  const root = operation && rootType(schema, operation);
  if (!operation || !root || !data || typeof data !== 'object') return 0;
  return selectionCost(walkOf(schema, document, variables), operation.selectionSet, root, undefined, { value: data });
}

function skipped(walk: Walk, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, walk.variables)?.if === true) return true;
  return getDirectiveValues(GraphQLIncludeDirective, node, walk.variables)?.if === false;
}

/**
 * The cost of a selection set on `type`. `sized` carries a parent's slicing value down to its sized fields.
 * `actual` is the resolved object when costing a result (lists then count as long as they came back).
 */
function selectionCost(
  walk: Walk,
  selectionSet: SelectionSetNode,
  type: GraphQLNamedType,
  sized: { fields: string[]; size: number } | undefined,
  actual: { value: unknown } | undefined,
): number {
  if (!isObjectType(type)) return 0;
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (skipped(walk, selection)) continue;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      if (on) total += selectionCost(walk, selection.selectionSet, on, sized, actual);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = walk.fragments[selection.name.value];
      const on = fragment && walk.schema.getType(fragment.typeCondition.name.value);
      if (fragment && on) total += selectionCost(walk, fragment.selectionSet, on, sized, actual);
      continue;
    }
    const name = selection.name.value;
    if (name === '__schema' || name === '__type') {
      total += INTROSPECTION_COST;
      continue;
    }
    const field = type.getFields()[name];
    if (!field) continue;
    const ext = (field.extensions?.cost ?? {}) as CostExtension;
    const named = getNamedType(field.type);
    const weight = ext.weight ?? (isCompositeType(named) ? 1 : 0);
    const isList = isListType(getNullableType(field.type));
    const args = safeArguments(field, selection, walk.variables);
    const childSized = ext.listSize?.sizedFields
      ? { fields: ext.listSize.sizedFields, size: listSize(ext, args) }
      : undefined;
    const children = (value?: unknown) =>
      selection.selectionSet
        ? selectionCost(walk, selection.selectionSet, named, childSized, value === undefined ? undefined : { value })
        : 0;

    if (actual) {
      const value = (actual.value as Record<string, unknown> | null)?.[selection.alias?.value ?? name];
      if (value === undefined) continue; // not resolved (an error above it)
      if (Array.isArray(value)) total += value.reduce<number>((sum, item) => sum + weight + (item == null ? 0 : children(item)), 0);
      else total += weight + (value == null ? 0 : children(value));
      continue;
    }
    if (!isList) {
      total += weight + children();
      continue;
    }
    const size = sized?.fields.includes(name) ? sized.size : listSize(ext, args);
    total += size * (weight + children());
  }
  return total;
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
function safeArguments(field: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1], variables: Record<string, unknown>) {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return {};
  }
}
