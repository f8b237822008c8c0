import { readFileSync } from 'node:fs';
import {
  type ConstDirectiveNode,
  type DirectiveDefinitionNode,
  isObjectType,
  Kind,
  type ObjectTypeDefinitionNode,
  parse,
  print,
  specifiedDirectives,
  valueFromASTUntyped,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import type { CostExtension } from '../src/ratelimit/cost.ts';
import { parseDateTime, serializeDateTime } from '../src/schema/date-time.ts';
import { schema } from '../src/schema/index.ts';
import { printedSchema } from '../src/schema/print.ts';
import { multipartParts } from './helpers/multipart.ts';
import { serversPerTest } from './helpers/server.ts';

const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');

describe('schema.graphql', () => {
  it('matches the Pothos schema (run `npm run schema:print` after changing the schema)', () => {
    expect(committed).toBe(printedSchema());
  });

  it('carries every weight the pricing uses as @cost and @listSize, and no other', () => {
    const document = parse(committed);
    const printed = new Map<string, CostExtension | undefined>();
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      for (const field of (definition as ObjectTypeDefinitionNode).fields ?? []) {
        printed.set(`${definition.name.value}.${field.name.value}`, weightsOf(field.directives ?? []));
      }
    }
    let weighted = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const where = `${type.name}.${field.name}`;
        const priced = field.extensions?.cost as CostExtension | undefined;
        if (priced) weighted += 1;
        expect(printed.has(where), where).toBe(true);
        expect(printed.get(where), where).toEqual(priced);
      }
    }
    // The README's cost table has 24 rows today; the check must have compared something.
    expect(weighted).toBeGreaterThan(20);
  });

  it("declares @defer and @stream as graphql-js 17 does, and the IBM cost directives' shapes", () => {
    const definitions = new Map(
      parse(committed)
        .definitions.filter((d): d is DirectiveDefinitionNode => d.kind === Kind.DIRECTIVE_DEFINITION)
        .map((d) => [d.name.value, shapeOf(d)]),
    );
    expect(definitions.get('defer')).toBe('directive @defer(if: Boolean! = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT');
    expect(definitions.get('stream')).toBe('directive @stream(if: Boolean! = true, initialCount: Int = 0, label: String) on FIELD');
    expect(definitions.get('cost')).toBe(
      'directive @cost(weight: String!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR',
    );
    expect(definitions.get('listSize')).toBe(
      'directive @listSize(assumedSize: Int, requireOneSlicingArgument: Boolean = true, sizedFields: [String!], slicingArguments: [String!]) on FIELD_DEFINITION',
    );
    // Declaring our own directives must not drop graphql-js's (@skip, @include, @deprecated, ...).
    for (const { name } of specifiedDirectives) expect(schema.getDirective(name), name).toBeDefined();
  });
});

const startServer = serversPerTest();

describe('the served schema', () => {
  it('has @defer and @stream once each (Yoga adds its own only to a schema without them), and they stream', async () => {
    const server = await startServer();
    const { body } = await server.gql(`{ __schema { directives { name } } }`);
    const names = body.data!.__schema.directives.map((d: { name: string }) => d.name);
    for (const name of ['defer', 'stream', 'cost', 'listSize'])
      expect(
        names.filter((n: string) => n === name),
        name,
      ).toHaveLength(1);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: `{ stations(search: "king", first: 3) @stream(initialCount: 1) { name } ... @defer { personas { id } } }`,
      }),
    });
    const parts = (await multipartParts(response, 0)).map((p) => p.part);
    // The first part holds one station; the other two and the deferred personas come in later parts.
    expect(parts[0].data.stations).toHaveLength(1);
    expect(parts[0].data.personas).toBeUndefined();
    const later = parts.slice(1).flatMap((p) => p.incremental ?? []);
    expect(later.flatMap((i: { items?: unknown[] }) => i.items ?? [])).toHaveLength(2);
    expect(later.find((i: { data?: { personas?: unknown[] } }) => i.data?.personas)?.data.personas).toHaveLength(3);
  });
});

describe('the DateTime scalar', () => {
  it("writes the engine's Unix seconds, a Date or an ISO string as ISO 8601 in UTC", () => {
    expect(serializeDateTime(1_764_425_000.25)).toBe('2025-11-29T14:03:20.250Z');
    expect(serializeDateTime(new Date(Date.UTC(2024, 9, 1)))).toBe('2024-10-01T00:00:00.000Z');
    expect(serializeDateTime('2025-11-29T15:03:20+01:00')).toBe('2025-11-29T14:03:20.000Z');
    expect(() => serializeDateTime(Number.NaN)).toThrow(/cannot represent/);
    expect(() => serializeDateTime({})).toThrow(/cannot represent/);
    expect(() => serializeDateTime('2025-02-30T00:00:00Z')).toThrow(/cannot represent/);
  });

  it('reads only a real date and time with a zone', () => {
    expect(parseDateTime('2025-11-29T14:03:07.512Z').toISOString()).toBe('2025-11-29T14:03:07.512Z');
    expect(parseDateTime('2025-11-29T14:03:07.123456-02:30').toISOString()).toBe('2025-11-29T16:33:07.123Z');
    for (const bad of [
      '2025-02-30T00:00:00Z', // no such day (Date.parse would read 2 March)
      '2025-11-29T24:00:00Z',
      '2025-11-29T14:03:60Z',
      '2025-11-29T14:03:07', // no zone: local to whom?
      '2025-11-29',
      '1764425000',
      ' 2025-11-29T14:03:07Z',
    ]) {
      expect(() => parseDateTime(bad), bad).toThrow(/ISO 8601/);
    }
  });
});

/** A field's @cost and @listSize read back as the weights they print, or undefined without either. */
function weightsOf(directives: readonly ConstDirectiveNode[]): CostExtension | undefined {
  const argsOf = (name: string) => {
    const node = directives.find((d) => d.name.value === name);
    return node && Object.fromEntries((node.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
  };
  const costArgs = argsOf('cost');
  const sizeArgs = argsOf('listSize');
  if (!costArgs && !sizeArgs) return undefined;
  const { requireOneSlicingArgument, ...listSize } = sizeArgs ?? {};
  // Left out exactly when the list falls back to its assumed size without the slicing argument.
  if (sizeArgs) expect(requireOneSlicingArgument === false).toBe(Boolean(listSize.slicingArguments && listSize.assumedSize !== undefined));
  return {
    ...(costArgs ? { weight: Number(costArgs.weight) } : {}),
    ...(sizeArgs ? { listSize } : {}),
  };
}

/** A directive definition printed without its descriptions, its arguments by name. */
function shapeOf(definition: DirectiveDefinitionNode): string {
  const args = [...(definition.arguments ?? [])]
    .sort((a, b) => a.name.value.localeCompare(b.name.value))
    .map((a) => ({ ...a, description: undefined }));
  return print({ ...definition, description: undefined, arguments: args });
}
