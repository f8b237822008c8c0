import { type ASTVisitor, type DocumentNode, GraphQLError, Kind, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { childSources, collectFields, fragmentsOf, type SelectionSource } from '../lib/field-nodes.ts';

/**
 * Selections one document may make the count visit, whatever it selects. Each group of children is collected
 * once, visiting each selection of the document at most twice, so with the default limits (1,000 fields,
 * 1,000 tokens) a document stays far below this; it bounds the work when the limits are raised.
 */
const MAX_STEPS = 2_000_000;

/** Why a document is over the bound, or undefined when it is within it. */
export function fieldsOverLimit(document: DocumentNode, max: number): string | undefined {
  const fragments = fragmentsOf(document);
  const steps = { left: MAX_STEPS };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    // One count per response key per path, after fragments, as execution groups them; children are
    // collected from the merged selection sets of their group. Depth first, so the pending groups stay few.
    let counted = 0;
    const pending: SelectionSource[][] = [[{ selectionSet: definition.selectionSet, deferred: false }]];
    while (pending.length > 0) {
      const groups = collectFields(pending.pop()!, fragments, { steps });
      if (steps.left < 0) return 'Field limit exceeded: the document takes too long to expand.';
      counted += groups.size;
      if (counted > max)
        return `Field limit of ${max} exceeded: the operation selects more than ${max} fields once its fragments are expanded.`;
      for (const group of groups.values()) {
        const children = childSources(group);
        if (children.length > 0) pending.push(children);
      }
    }
  }
  return undefined;
}

/**
 * Refuses a document whose operation selects more than `max` fields once its fragments are expanded (each
 * response key at each path counts once, introspection included), with `QUERY_TOO_COMPLEX` and
 * `extensions.limit: "fields"`. The count stops as soon as it passes `max`, so it is linear in the document.
 */
export function maxFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const reason = fieldsOverLimit(document, max);
      if (reason) context.reportError(new GraphQLError(reason, { extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'fields' } }));
      return false;
    },
  });
}

/** The field bound as a Yoga plugin, beside the other document limits (src/http/security.ts). */
export function useMaxFields(max: number): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxFieldsRule(max));
    },
  };
}
