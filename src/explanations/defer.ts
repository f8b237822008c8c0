import { type DirectiveNode, type GraphQLResolveInfo, Kind } from 'graphql';
import { fieldNodesAt } from '../lib/field-nodes.ts';

/**
 * Whether the field being resolved sits under an @defer fragment on every route the operation selects it
 * by. Such a field is not in the first payload, so its resolver may wait (bounded) for a slow answer.
 */
export function isDeferred(info: GraphQLResolveInfo): boolean {
  const path: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) path.unshift(p.key);
  const routes = fieldNodesAt(info.operation.selectionSet, info.fragments, path, (d) => hasDefer(info, d));
  return routes.length > 0 && routes.every((r) => r.deferred);
}

function hasDefer(info: GraphQLResolveInfo, directives: readonly DirectiveNode[] | undefined): boolean {
  const defer = directives?.find((d) => d.name.value === 'defer');
  if (!defer) return false;
  const arg = defer.arguments?.find((a) => a.name.value === 'if')?.value;
  if (!arg) return true;
  if (arg.kind === Kind.BOOLEAN) return arg.value;
  if (arg.kind === Kind.VARIABLE) return info.variableValues[arg.name.value] !== false;
  return true;
}
