import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type InlineFragmentNode,
  isAbstractType,
  Kind,
  type NamedTypeNode,
  type SelectionSetNode,
} from 'graphql';

/** A field node of a grouped field, with whether it was reached through a fragment said to be deferred. */
export interface Reached {
  node: FieldNode;
  deferred: boolean;
}

/** Selection sets merged into one group's children: the root's, or those of every node of a grouped field. */
export interface SelectionSource {
  selectionSet: SelectionSetNode;
  deferred: boolean;
}

export interface CollectOptions {
  /** Whether a field or fragment is selected (@skip and @include, with the request's variables); all are by default. */
  included?: (node: FieldNode | InlineFragmentNode | FragmentSpreadNode) => boolean;
  /** Whether a fragment with these directives is deferred; none is by default. */
  deferred?: (directives: readonly DirectiveNode[] | undefined) => boolean;
  /**
   * Selections the caller may still visit, shared across calls; each one visited takes one. When it runs out
   * the collection stops early and the caller, seeing `left < 0`, knows its answer is cut short.
   */
  steps?: { left: number };
  /**
   * Collect only what applies to an object of this type, as execution does for it: a fragment on another
   * type (neither this one nor an interface or union it belongs to) is not expanded. All are by default.
   */
  objectType?: { schema: GraphQLSchema; type: GraphQLObjectType };
}

/**
 * The fields a group of selection sets selects, by response key, as graphql-js's collectFields groups them:
 * each named fragment is expanded once per group (so `...F ...F` costs no more than `...F`), so the work is
 * linear in the document, never in the number of routes to a field. A fragment reached both deferred and not
 * is expanded once each way, so a caller can tell whether every route to a field is deferred.
 */
export function collectFields(
  sources: readonly SelectionSource[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  options: CollectOptions = {},
): Map<string, Reached[]> {
  const walk: Walk = { fragments, options, fields: new Map(), expanded: new Set() };
  for (const source of sources) collect(walk, source.selectionSet, source.deferred);
  return walk.fields;
}

interface Walk {
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  options: CollectOptions;
  fields: Map<string, Reached[]>;
  /** Fragments expanded in this group, by name, once deferred and once not. */
  expanded: Set<string>;
}

function collect(walk: Walk, set: SelectionSetNode, isDeferred: boolean): void {
  const { included, deferred, steps } = walk.options;
  for (const selection of set.selections) {
    if (steps && --steps.left < 0) return;
    if (included && !included(selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const group = walk.fields.get(key);
      if (group) group.push({ node: selection, deferred: isDeferred });
      else walk.fields.set(key, [{ node: selection, deferred: isDeferred }]);
      continue;
    }
    const inner = isDeferred || (deferred?.(selection.directives) ?? false);
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(walk, selection.typeCondition)) collect(walk, selection.selectionSet, inner);
      continue;
    }
    const name = selection.name.value;
    const seen = inner ? `d${name}` : `n${name}`;
    if (walk.expanded.has(seen)) continue;
    walk.expanded.add(seen);
    const fragment = Object.hasOwn(walk.fragments, name) ? walk.fragments[name] : undefined;
    if (fragment && applies(walk, fragment.typeCondition)) collect(walk, fragment.selectionSet, inner);
  }
}

/** Whether a fragment with this type condition applies to the walk's object type (graphql-js's rule). */
function applies(walk: Walk, condition: NamedTypeNode | undefined): boolean {
  const on = walk.options.objectType;
  if (!on || !condition) return true;
  const type = on.schema.getType(condition.name.value);
  return type === on.type || (isAbstractType(type) && on.schema.isSubType(type, on.type));
}

/** The selection sets under a grouped field, merged as its children are: one per node that has one. */
export function childSources(group: readonly Reached[]): SelectionSource[] {
  const sources: SelectionSource[] = [];
  for (const { node, deferred } of group) if (node.selectionSet) sources.push({ selectionSet: node.selectionSet, deferred });
  return sources;
}

/** A document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return fragments;
}

/**
 * The field nodes a response path selects in an operation, each with whether it was reached through a
 * fragment that `deferred` says is deferred. Paths carry response keys (aliases) and list indices. Walks only
 * the groups along the path, each collected once: linear in the document for every path.
 */
export function fieldNodesAt(
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  path: readonly (string | number)[],
  deferred: (directives: readonly DirectiveNode[] | undefined) => boolean = () => false,
): Reached[] {
  const keys = path.filter((k): k is string => typeof k === 'string');
  let sources: SelectionSource[] = [{ selectionSet, deferred: false }];
  let found: Reached[] = [];
  for (const key of keys) {
    found = collectFields(sources, fragments, { deferred }).get(key) ?? [];
    sources = childSources(found);
  }
  return found;
}
