import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * Whether the field being resolved sits under an @defer fragment on every route the operation selects it
 * by. Such a field is not in the first payload, so its resolver may wait (bounded) for a slow answer.
 */
export function isDeferred(info: GraphQLResolveInfo): boolean {
  const keys: string[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) {
    if (typeof p.key === 'string') keys.unshift(p.key);
  }
  const routes: boolean[] = [];
  collect(info, info.operation.selectionSet, keys, 0, false, routes);
  return routes.length > 0 && routes.every(Boolean);
}

function collect(info: GraphQLResolveInfo, set: SelectionSetNode, keys: string[], depth: number, deferred: boolean, routes: boolean[]) {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if ((selection.alias?.value ?? selection.name.value) !== keys[depth]) continue;
      if (depth === keys.length - 1) routes.push(deferred);
      else if (selection.selectionSet) collect(info, selection.selectionSet, keys, depth + 1, deferred, routes);
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : info.fragments[selection.name.value];
    if (fragment) collect(info, fragment.selectionSet, keys, depth, deferred || hasDefer(info, selection), routes);
  }
}

function hasDefer(info: GraphQLResolveInfo, node: { directives?: readonly import('graphql').DirectiveNode[] }): boolean {
  const defer = node.directives?.find((d) => d.name.value === 'defer');
  if (!defer) return false;
  const arg = defer.arguments?.find((a) => a.name.value === 'if')?.value;
  if (!arg) return true;
  if (arg.kind === Kind.BOOLEAN) return arg.value;
  if (arg.kind === Kind.VARIABLE) return info.variableValues[arg.name.value] !== false;
  return true;
}
