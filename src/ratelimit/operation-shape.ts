import { type DocumentNode, type FragmentDefinitionNode, getOperationAST, Kind, type SelectionSetNode, visit } from 'graphql';

/**
 * An operation that selects only `rateLimit` (and `__typename`) at its root: what a throttled client may
 * still ask, free, against its own small budget. Fragments are followed once each.
 */
export function isRateLimitInfo(document: DocumentNode, operationName?: string | null): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'query') return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const followed = new Set<string>();
  let asksRateLimit = false;
  const onlyInfo = (set: SelectionSetNode): boolean =>
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === 'rateLimit') asksRateLimit = true;
        return selection.name.value === 'rateLimit' || selection.name.value === '__typename';
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return onlyInfo(selection.selectionSet);
      const name = selection.name.value;
      if (followed.has(name)) return true;
      followed.add(name);
      const fragment = fragments.get(name);
      return fragment !== undefined && onlyInfo(fragment.selectionSet);
    });
  return onlyInfo(operation.selectionSet) && asksRateLimit;
}

const initialPayloadCache = new WeakMap<DocumentNode, DocumentNode>();

/**
 * The document without its @defer fragments and its @stream fields: what the first payload of an
 * incremental answer holds at most. Priced, it says how much of the estimate the first payload can account
 * for; the rest stays charged, since the deferred parts and the streamed items come later (a list streamed
 * with `initialCount: 0` is empty in the first payload, and must not be refunded as if it were). Directives
 * under `if: false` are dropped too, which only refunds less.
 */
export function initialPayloadDocument(document: DocumentNode): DocumentNode {
  let stripped = initialPayloadCache.get(document);
  if (!stripped) {
    const marked = (directive: string) => (node: { directives?: readonly { name: { value: string } }[] | undefined }) =>
      node.directives?.some((d) => d.name.value === directive) ? null : undefined;
    stripped = visit(document, { InlineFragment: marked('defer'), FragmentSpread: marked('defer'), Field: marked('stream') });
    initialPayloadCache.set(document, stripped);
  }
  return stripped;
}
