import { DirectiveLocation, GraphQLBoolean, GraphQLDirective, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLString } from 'graphql';
import type { CostExtension } from '../ratelimit/cost.ts';

// The directives the schema declares beyond graphql-js's own, so that schema.graphql shows them to editors
// and tooling. @defer and @stream are executed by Yoga's defer-stream plugin, which adds them only to a
// schema that lacks them: declared here, they are printed and the plugin leaves them alone. Their shapes are
// graphql-js 17's.

const deferDirective = new GraphQLDirective({
  name: 'defer',
  description:
    'Sends this fragment in a later part of a multipart (or SSE) answer, so the rest of the answer does not wait for it. Use it around `explanation` to have the text streamed once the job is READY. Needs `Accept: multipart/mixed` or `text/event-stream`.',
  locations: [DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
  args: {
    if: {
      type: new GraphQLNonNull(GraphQLBoolean),
      defaultValue: true,
      description: 'Deferred when true (the default); false sends the fragment with the first part.',
    },
    label: { type: GraphQLString, description: 'A name of your choice, echoed in the part that carries the fragment.' },
  },
});

const streamDirective = new GraphQLDirective({
  name: 'stream',
  description:
    'Sends the items of this list one part at a time after the first `initialCount`, in a multipart (or SSE) answer. The whole list is priced and charged up front.',
  locations: [DirectiveLocation.FIELD],
  args: {
    if: {
      type: new GraphQLNonNull(GraphQLBoolean),
      defaultValue: true,
      description: 'Streamed when true (the default); false sends the whole list in the first part.',
    },
    label: { type: GraphQLString, description: 'A name of your choice, echoed in the parts that carry the items.' },
    initialCount: {
      type: GraphQLInt,
      defaultValue: 0,
      description:
        'How many items the first part holds before streaming starts: 0 or more (a negative count is refused with BAD_USER_INPUT).',
    },
  },
});

// IBM's GraphQL cost directive specification, as Apollo's and Hive's demand control read it. The server
// prices every operation from the same weights (src/ratelimit/cost.ts); these only make them visible.
const costDirective = new GraphQLDirective({
  name: 'cost',
  description:
    'The cost in points of resolving this field once, charged to your rate-limit budgets (IBM GraphQL cost directive). Without it a field that returns an object costs 1 and a scalar or enum 0.',
  locations: [
    DirectiveLocation.ARGUMENT_DEFINITION,
    DirectiveLocation.ENUM,
    DirectiveLocation.FIELD_DEFINITION,
    DirectiveLocation.INPUT_FIELD_DEFINITION,
    DirectiveLocation.OBJECT,
    DirectiveLocation.SCALAR,
  ],
  args: {
    weight: { type: new GraphQLNonNull(GraphQLString), description: 'The points, as a decimal number written as a string.' },
  },
});

const listSizeDirective = new GraphQLDirective({
  name: 'listSize',
  description:
    'How long the list this field returns is assumed to be when pricing an operation: each item costs the weight of the fields selected in it. Every size is a maximum, so the price is an upper bound; what the answer did not use is refunded.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    assumedSize: { type: GraphQLInt, description: 'The length assumed when no slicing argument is given: the longest the data holds.' },
    slicingArguments: {
      type: new GraphQLList(new GraphQLNonNull(GraphQLString)),
      description: 'Arguments whose value is the length of the list (dotted for a field of an input object, e.g. `input.limit`).',
    },
    sizedFields: {
      type: new GraphQLList(new GraphQLNonNull(GraphQLString)),
      description: "Child fields that are the lists the slicing argument sizes (a connection's `nodes` and `edges`).",
    },
    requireOneSlicingArgument: {
      type: GraphQLBoolean,
      defaultValue: true,
      description:
        'True when exactly one slicing argument is always set; false when a request may leave it out (then `assumedSize` counts).',
    },
  },
});

/** The directives to declare in the schema (graphql-js adds its specified ones itself). */
export const schemaDirectives = [deferDirective, streamDirective, costDirective, listSizeDirective];

/**
 * A field's cost weights as the applied @cost and @listSize that print in schema.graphql, in the shape
 * @pothos/plugin-directives reads from `extensions.directives`. Made from the same object the pricing reads,
 * so the printed schema and the prices cannot disagree.
 */
export function costDirectives(weights: CostExtension): { name: string; args: Record<string, unknown> }[] {
  const applied: { name: string; args: Record<string, unknown> }[] = [];
  if (weights.weight !== undefined) applied.push({ name: 'cost', args: { weight: String(weights.weight) } });
  const size = weights.listSize;
  if (size) {
    applied.push({
      name: 'listSize',
      args: {
        ...(size.assumedSize !== undefined ? { assumedSize: size.assumedSize } : {}),
        ...(size.slicingArguments ? { slicingArguments: size.slicingArguments } : {}),
        ...(size.sizedFields ? { sizedFields: size.sizedFields } : {}),
        // The pricing falls back to the assumed size when the slicing argument is left out (`input.limit`).
        ...(size.slicingArguments && size.assumedSize !== undefined ? { requireOneSlicingArgument: false } : {}),
      },
    });
  }
  return applied;
}
