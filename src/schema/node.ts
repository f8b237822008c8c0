import { explanationIdArg } from '../explanations/ids.ts';
import { fromGlobalId, globalIdArg, MAX_GLOBAL_ID_LENGTH, toGlobalId } from '../lib/global-id.ts';
import * as resolvers from '../resolvers/nodes.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { personaNames } from './enums.ts';
import { areaCode } from './refs.ts';

/** Ids a `nodes` call takes at most, the bound of `areas(first:)` too. */
const MAX_NODES = 100;

// A code of the tube data without leading zeros, so each station or line has one global id.
const tubeCode = /^(?:0|[1-9]\d{0,5})$/;

/** The key each type's global id holds, parsed; null when the key is not of its type's shape. */
const keyParsers: { [T in resolvers.NodeType]: (key: string) => Extract<resolvers.NodeKey, { type: T }> | null } = {
  Area: (key) => (areaCode.safeParse(key).success ? { type: 'Area', code: key } : null),
  Station: (key) => (tubeCode.test(key) ? { type: 'Station', code: Number(key) } : null),
  Line: (key) => (tubeCode.test(key) ? { type: 'Line', code: Number(key) } : null),
  Persona: (key) => {
    const id = personaNames.idOf(key);
    return id ? { type: 'Persona', key: id } : null;
  },
  Explanation: (key) => (explanationIdArg.safeParse(key).success ? { type: 'Explanation', key } : null),
};

const typeNames = Object.keys(keyParsers).join(', ');

/** The global id of an object of `type` whose `code` or `key` is `key`. */
export function nodeId(type: resolvers.NodeType, key: string | number): string {
  return toGlobalId(type, String(key));
}

/** What a global id names, or null when it is not the id of a Node (unknown type, or a key not of its type's shape). */
export function nodeKeyOf(id: string): resolvers.NodeKey | null {
  const decoded = id.length <= MAX_GLOBAL_ID_LENGTH ? fromGlobalId(id) : null;
  if (!decoded || !Object.hasOwn(keyParsers, decoded.type)) return null;
  return keyParsers[decoded.type as resolvers.NodeType](decoded.key);
}

/** A Node's `id` argument: refused (BAD_USER_INPUT) unless it could name a node; one that names nothing reads null. */
const nodeIdArg = globalIdArg.refine(
  (id) => nodeKeyOf(id) !== null,
  `must be the \`id\` of a node (${typeNames.replace(/, (?=\w+$)/, ' or ')}), as this server gave it`,
);

export const NodeRef = builder.interfaceRef<object>('Node').implement({
  description: `An object with a global \`id\` (${typeNames}): fetch it again by \`node(id:)\`, or with others by \`nodes(ids:)\`.`,
  fields: (t) => ({
    id: t.id({
      description:
        'A global id: opaque, URL-safe, and the same for the same object on every request and server. `node(id:)` reads the object again by it.',
    }),
  }),
  resolveType: (value) => resolvers.nodeTypeOf(value),
});

const readsNothingNew = 'An explanation is only read: a job is never started or rebuilt here.';

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description: `The object with a global id; null when none has it, or when the engine could not be asked (see the error at this path). ${readsNothingNew} Costs 2 points.`,
    extensions: cost({ weight: 2 }),
    args: {
      id: t.arg.id({
        required: true,
        description: `The object's \`id\` (at most ${MAX_GLOBAL_ID_LENGTH} characters). One that is not a global id is refused (BAD_USER_INPUT).`,
        validate: { schema: nodeIdArg },
      }),
    },
    resolve: (_root, args, ctx) => resolvers.node(ctx, nodeKeyOf(String(args.id))!),
  }),
  nodes: t.field({
    type: [NodeRef],
    // Nullable, like every root field that can fail: a refused list nulls this field, not the whole answer.
    nullable: { list: true, items: true },
    description: `The objects with these global ids, in their order, in one engine call per kind: null in place of an id that names nothing or whose object the engine could not give (see the error at that index). ${readsNothingNew} Costs 2 points per id. Null when \`ids\` is refused.`,
    extensions: cost({ weight: 2, listSize: { slicingArguments: ['ids'] } }),
    args: {
      ids: t.arg.idList({
        required: true,
        description: `The objects' \`id\`s, at most ${MAX_NODES}; more, or one that is not a global id, is refused (BAD_USER_INPUT).`,
        validate: { maxLength: [MAX_NODES, { message: `at most ${MAX_NODES} ids a call` }], items: { schema: nodeIdArg } },
      }),
    },
    resolve: (_root, args, ctx) =>
      resolvers.nodes(
        ctx,
        args.ids.map((id) => nodeKeyOf(String(id))!),
      ),
  }),
}));
