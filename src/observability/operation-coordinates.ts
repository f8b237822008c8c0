import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  Kind,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { fragmentsOf } from '../lib/field-nodes.ts';

/** What is known of one schema: its own field coordinates, and the operations already walked. */
interface SchemaIndex {
  /** `Type.field` of every object and interface field, introspection types left out. */
  coordinates: ReadonlySet<string>;
  /** Those marked @deprecated. */
  deprecated: ReadonlySet<string>;
  /** Each executed document's operations, walked once. */
  documents: WeakMap<DocumentNode, Map<OperationDefinitionNode, readonly string[]>>;
}

const indexes = new WeakMap<GraphQLSchema, SchemaIndex>();

function indexOf(schema: GraphQLSchema): SchemaIndex {
  let index = indexes.get(schema);
  if (!index) {
    const coordinates = new Set<string>();
    const deprecated = new Set<string>();
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.values(type.getFields())) {
        coordinates.add(`${type.name}.${field.name}`);
        if (field.deprecationReason != null) deprecated.add(`${type.name}.${field.name}`);
      }
    }
    index = { coordinates, deprecated, documents: new WeakMap() };
    indexes.set(schema, index);
  }
  return index;
}

/** Whether `Type.field` is a field the schema marks @deprecated. */
export function isDeprecatedCoordinate(schema: GraphQLSchema, coordinate: string): boolean {
  return indexOf(schema).deprecated.has(coordinate);
}

/**
 * The schema coordinates (`Type.field`, sorted) the operation `operationName` of `document` selects, through
 * its fragments, whatever its @skip and @include variables. A field selected on an interface counts both as
 * the interface's (`Node.id`) and as each object type's that can answer it there (`Area.id`), the types the
 * schema allows at that point, narrowed by every enclosing type condition (`... on Area` inside `node`).
 * Meta fields (`__typename`, introspection) are left out, and only the schema's own coordinates are ever
 * returned, so a label or log field made of them has at most as many values as the schema has fields.
 *
 * For a validated document (as at execution). Walked once per document and operation and cached by the
 * document object, which Yoga's document cache hands out again for the same text; each named fragment is
 * expanded once per type scope, so the walk is linear in the document however often fragments are spread.
 */
export function operationCoordinates(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): readonly string[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  const index = indexOf(schema);
  let operations = index.documents.get(document);
  if (!operations) {
    operations = new Map();
    index.documents.set(document, operations);
  }
  let coordinates = operations.get(operation);
  if (!coordinates) {
    coordinates = Object.freeze(walk(schema, index, fragmentsOf(document), operation));
    operations.set(operation, coordinates);
  }
  return coordinates;
}

function walk(
  schema: GraphQLSchema,
  index: SchemaIndex,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  operation: OperationDefinitionNode,
): string[] {
  const found = new Set<string>();
  /** Named fragments expanded, by name and scope: a second expansion would find nothing new. */
  const expanded = new Set<string>();
  const possibleTypes = (type: GraphQLCompositeType): readonly GraphQLObjectType[] =>
    isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
  const add = (coordinate: string) => {
    if (index.coordinates.has(coordinate)) found.add(coordinate);
  };

  /** `parent`: the type the selections are written against; `possible`: the object types it can be there. */
  const visit = (set: SelectionSetNode, parent: GraphQLCompositeType, possible: readonly GraphQLObjectType[]): void => {
    /** The scope inside a fragment: its type condition, and the object types both it and `possible` allow. */
    const narrow = (condition: NamedTypeNode | undefined) => {
      if (!condition) return { type: parent, within: possible };
      const type = schema.getType(condition.name.value);
      if (!isCompositeType(type)) return undefined;
      const allowed = new Set(possibleTypes(type));
      return { type, within: possible.filter((object) => allowed.has(object)) };
    };
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        // A union has no fields of its own: only `__typename`, a meta field like the introspection ones.
        if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[name];
        if (!field) continue;
        add(`${parent.name}.${name}`);
        if (isInterfaceType(parent)) for (const object of possible) add(`${object.name}.${name}`);
        const type = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(type)) visit(selection.selectionSet, type, possibleTypes(type));
        continue;
      }
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selection
          : Object.hasOwn(fragments, selection.name.value)
            ? fragments[selection.name.value]
            : undefined;
      const scope = fragment && narrow(fragment.typeCondition);
      if (!fragment || !scope || scope.within.length === 0) continue;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const key = `${selection.name.value} ${scope.type.name} ${scope.within.map((object) => object.name).join(',')}`;
        if (expanded.has(key)) continue;
        expanded.add(key);
      }
      visit(fragment.selectionSet, scope.type, scope.within);
    }
  };

  const root = schema.getRootType(operation.operation);
  if (root) visit(operation.selectionSet, root, [root]);
  return [...found].sort();
}
