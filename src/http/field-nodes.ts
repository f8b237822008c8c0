import { Kind, type DirectiveNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The field nodes a response path selects in an operation, each with whether it was reached through a
 * fragment that `deferred` says is deferred. Paths carry response keys (aliases) and list indices.
 */
export function fieldNodesAt(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  path: readonly (string | number)[],
  deferred: (directives: readonly DirectiveNode[] | undefined) => boolean = () => false,
): { node: FieldNode; deferred: boolean }[] {
  const keys = path.filter((k): k is string => typeof k === 'string');
  const found: { node: FieldNode; deferred: boolean }[] = [];
  const collect = (set: SelectionSetNode, depth: number, isDeferred: boolean) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if ((selection.alias?.value ?? selection.name.value) !== keys[depth]) continue;
        if (depth === keys.length - 1) found.push({ node: selection, deferred: isDeferred });
        else if (selection.selectionSet) collect(selection.selectionSet, depth + 1, isDeferred);
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments[selection.name.value];
      if (fragment) collect(fragment.selectionSet, depth, isDeferred || deferred(selection.directives));
    }
  };
  if (keys.length > 0) collect(selectionSet, 0, false);
  return found;
}
