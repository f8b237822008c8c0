import type { Context } from '../context.ts';
import type { PersonaId } from '../modal/contract.ts';
import { explanation } from './explanations.ts';

/** An object a global id can name, by its type and the key inside the id. */
export type NodeKey =
  | { type: 'Area'; code: string }
  | { type: 'Station'; code: number }
  | { type: 'Line'; code: number }
  | { type: 'Persona'; key: PersonaId }
  | { type: 'Explanation'; key: string };

export type NodeType = NodeKey['type'];

const NODE_TYPE = Symbol('node type');

/** A value fetched by its global id, branded with its type: the Node interface resolves the type from it. */
type Branded<T> = T & { [NODE_TYPE]: NodeType };

function brand<T extends object>(type: NodeType, value: T | null): Branded<T> | null {
  return value && { ...value, [NODE_TYPE]: type };
}

/** The type a value fetched by `node` or `nodes` was branded with. */
export function nodeTypeOf(value: object): NodeType | undefined {
  return (value as Partial<Branded<object>>)[NODE_TYPE];
}

/**
 * The object a key names, or null when none has it. Every kind goes through the request's loaders, so the
 * keys of one `nodes` list share one engine call per kind. An explanation is only read: its job is never
 * started or rebuilt here, whoever signed the key.
 */
export async function node(ctx: Context, key: NodeKey): Promise<object | null> {
  switch (key.type) {
    case 'Area':
      return brand(key.type, await ctx.loaders.area.load(key.code));
    case 'Station':
      return brand(key.type, await ctx.loaders.station.load(key.code));
    case 'Line':
      return brand(key.type, await line(ctx, key.code));
    case 'Persona':
      return brand(key.type, (await ctx.loaders.personas.load('all')).find((p) => p.id === key.key) ?? null);
    case 'Explanation':
      return brand(key.type, await explanation(ctx, key.key, { mayRebuild: false }));
  }
}

/** The objects in the order of their keys, each on its own: one that fails or does not exist is null alone. */
export function nodes(ctx: Context, keys: readonly NodeKey[]): Promise<object | null>[] {
  return keys.map((key) => node(ctx, key));
}

/** A line by its code, from the stations it calls at (the engine has no lookup of lines of its own). */
async function line(ctx: Context, code: number) {
  const all = await ctx.loaders.stationSearch.load('');
  for (const station of all) {
    const found = station.lines.find((l) => l.id === code);
    if (found) return found;
  }
  return null;
}
