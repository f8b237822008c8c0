/**
 * Whether schema.graphql may replace schema.released.graphql, the schema clients have in production.
 * `npm test` (test/schema-changes.test.ts) fails on a change this refuses, and `npm run schema:release`
 * copies the schema only when it refuses none.
 *
 * The rule: a change graphql-inspector rates BREAKING is allowed only when
 * - it removes a field, an argument, an input field or an enum value that schema.released.graphql marks
 *   `@deprecated(reason: "…")` with a reason written out (clients were told, and the field usage counter
 *   showed who still used it), or removes a type every remaining reference to which, in the released schema,
 *   is such a deprecated member or another type removed under this rule; or
 * - CHANGELOG.md lists its coordinate with a reason (see changelog.ts).
 * A deprecation added only in schema.graphql does not count: clients have not seen it yet. Changes rated
 * DANGEROUS (a new enum value, a changed default) are reported and allowed.
 */
import { type Change, CriticalityLevel, diff } from '@graphql-inspector/core';
import {
  buildSchema,
  type ConstDirectiveNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isUnionType,
  Kind,
} from 'graphql';
import { readBreakingChanges } from './changelog.ts';

export interface SchemaFiles {
  /** schema.released.graphql */
  released: string;
  /** schema.graphql */
  current: string;
  /** CHANGELOG.md */
  changelog: string;
}

interface SchemaChange {
  /** Its schema coordinate, as CHANGELOG.md lists it: `Area.population`, `Query.areas(first:)`, `Factor`. */
  coordinate: string;
  /** graphql-inspector's kind and words for it: `FIELD_REMOVED`, "Field 'population' was removed from object type 'Area'". */
  type: string;
  message: string;
  /** Why a breaking change may ship: a released deprecation, or the changelog's reason. */
  allowedBy?: { deprecation: true } | { changelog: string };
}

export interface SchemaCheck {
  /** Breaking changes nothing allows: each one fails the check. */
  refused: SchemaChange[];
  /** Breaking changes a released deprecation or the changelog allows. */
  allowed: SchemaChange[];
  dangerous: SchemaChange[];
  /** CHANGELOG.md lines out of format, and entries that name no change: each one fails the check too. */
  changelogProblems: string[];
}

/** Removals that a deprecation in the released schema allows (a type's removal has its own rule: `retired`). */
const DEPRECATABLE = new Set(['FIELD_REMOVED', 'FIELD_ARGUMENT_REMOVED', 'INPUT_FIELD_REMOVED', 'ENUM_VALUE_REMOVED']);

export async function checkSchemaChanges(files: SchemaFiles): Promise<SchemaCheck> {
  const released = buildSchema(files.released);
  const current = buildSchema(files.current);
  const changes = await diff(released, current);
  const listed = readBreakingChanges(files.changelog);
  const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
  const retiredTypes = retired(
    released,
    breaking.filter((change) => change.type === 'TYPE_REMOVED').map((change) => change.path!),
  );

  const check: SchemaCheck = { refused: [], allowed: [], dangerous: [], changelogProblems: [...listed.problems] };
  for (const change of breaking) {
    const coordinate = coordinateOf(change);
    const reason = listed.entries.get(coordinate);
    const deprecated = change.type === 'TYPE_REMOVED' ? retiredTypes.has(coordinate) : removedWhileDeprecated(released, change);
    const entry: SchemaChange = { coordinate, type: change.type, message: change.message };
    if (deprecated) check.allowed.push({ ...entry, allowedBy: { deprecation: true } });
    else if (reason !== undefined) check.allowed.push({ ...entry, allowedBy: { changelog: reason } });
    else check.refused.push(entry);
  }
  for (const change of changes) {
    if (change.criticality.level === CriticalityLevel.Dangerous)
      check.dangerous.push({ coordinate: coordinateOf(change), type: change.type, message: change.message });
  }
  const changed = new Set([...breaking.map(coordinateOf), ...check.dangerous.map((change) => change.coordinate)]);
  for (const coordinate of listed.entries.keys()) {
    if (!changed.has(coordinate)) {
      check.changelogProblems.push(
        `CHANGELOG.md lists \`${coordinate}\` under "Breaking changes", but schema.graphql makes no breaking or dangerous change ` +
          'there against schema.released.graphql: fix the coordinate or remove the line',
      );
    }
  }
  return check;
}

/** What fails the check, one message per problem, each naming its coordinate and what to do. */
export function failures(check: SchemaCheck): string[] {
  return [
    ...check.refused.map(({ coordinate, type, message }) => {
      // The usage counter and the request log see fields, not arguments or enum values.
      const users =
        type === 'FIELD_REMOVED'
          ? ` (veo_field_usage_total{coordinate="${coordinate}"} and the request log's \`coordinates\` show who still does)`
          : '';
      const deprecateFirst =
        DEPRECATABLE.has(type) || type === 'TYPE_REMOVED'
          ? `keep it, marked @deprecated(reason: "what to use instead"), for a release, and remove it once nothing uses it${users}`
          : 'add the new form beside the old one, mark the old one @deprecated(reason: "what to use instead") for a release, and remove it later';
      return (
        `Breaking change to \`${coordinate}\`: ${message}. Clients in production may rely on it. Either ${deprecateFirst}; ` +
        `or, to break it now, list it in CHANGELOG.md under "## Unreleased" / "### Breaking changes" as ` +
        `"- \`${coordinate}\`: <why, and what clients do instead>".`
      );
    }),
    ...check.changelogProblems,
  ];
}

/**
 * The coordinate of a change from graphql-inspector's path (`Type.field.argument`, `@directive.argument`;
 * a directive applied to a member, `Input.@oneOf`, stands for the member). A change to the schema's root
 * types has no path: `schema`.
 */
function coordinateOf(change: Change): string {
  if (!change.path) return 'schema';
  const directive = change.path.startsWith('@');
  const parts = change.path.split('.').filter((part, index) => part !== '' && (index === 0 || !part.startsWith('@')));
  if (directive) return parts.length === 2 ? `${parts[0]}(${parts[1]}:)` : parts[0]!;
  if (parts.length === 3) return `${parts[0]}.${parts[1]}(${parts[2]}:)`;
  return parts.join('.');
}

/** `@deprecated(reason: "…")` with the reason written out: the default ("No longer supported") tells clients nothing. */
function deprecatedWithReason(member: { astNode?: { directives?: readonly ConstDirectiveNode[] } | null } | undefined): boolean {
  const directive = member?.astNode?.directives?.find((d) => d.name.value === 'deprecated');
  const reason = directive?.arguments?.find((argument) => argument.name.value === 'reason')?.value;
  return reason?.kind === Kind.STRING && reason.value.trim() !== '';
}

function removedWhileDeprecated(released: GraphQLSchema, change: Change): boolean {
  if (!DEPRECATABLE.has(change.type) || !change.path) return false;
  const [typeName, memberName, argumentName] = change.path.split('.');
  const type = released.getType(typeName!);
  if (isEnumType(type)) return deprecatedWithReason(type.getValue(memberName!) ?? undefined);
  if (!isObjectType(type) && !isInterfaceType(type) && !isInputObjectType(type)) return false;
  const member = type.getFields()[memberName!];
  if (argumentName === undefined) return deprecatedWithReason(member);
  return member !== undefined && 'args' in member && deprecatedWithReason(member.args.find((a) => a.name === argumentName));
}

interface Reference {
  /** The type (or `@directive`) whose member names the type. */
  owner: string;
  deprecated: boolean;
}

/** Where the released schema names `type`: members' types, union members, implemented interfaces, roots. */
function referencesTo(schema: GraphQLSchema, type: GraphQLNamedType): Reference[] {
  const references: Reference[] = [];
  const named = (member: { type: Parameters<typeof getNamedType>[0] }) => getNamedType(member.type) === type;
  for (const owner of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(owner)) continue;
    if (isObjectType(owner) || isInterfaceType(owner)) {
      if (owner.getInterfaces().includes(type as never)) references.push({ owner: owner.name, deprecated: false });
      for (const field of Object.values(owner.getFields())) {
        const fieldDeprecated = deprecatedWithReason(field);
        if (named(field)) references.push({ owner: owner.name, deprecated: fieldDeprecated });
        for (const argument of field.args) {
          if (named(argument)) references.push({ owner: owner.name, deprecated: fieldDeprecated || deprecatedWithReason(argument) });
        }
      }
    } else if (isUnionType(owner) && owner.getTypes().includes(type as never)) {
      references.push({ owner: owner.name, deprecated: false });
    } else if (isInputObjectType(owner)) {
      for (const field of Object.values(owner.getFields())) {
        if (named(field)) references.push({ owner: owner.name, deprecated: deprecatedWithReason(field) });
      }
    }
  }
  for (const directive of schema.getDirectives()) {
    if (directive.args.some(named)) references.push({ owner: `@${directive.name}`, deprecated: false });
  }
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  if (roots.includes(type as never)) references.push({ owner: 'schema', deprecated: false });
  return references;
}

/**
 * The removed types whose removal went through deprecations: the largest set of them in which every
 * reference to each is deprecated or comes from another type of the set (two retired types may name each
 * other).
 */
function retired(released: GraphQLSchema, removed: string[]): Set<string> {
  const references = new Map(removed.map((name) => [name, referencesTo(released, released.getType(name)!)]));
  const candidates = new Set(removed);
  let shrunk = true;
  while (shrunk) {
    shrunk = false;
    for (const name of candidates) {
      if (!references.get(name)!.every((reference) => reference.deprecated || candidates.has(reference.owner))) {
        candidates.delete(name);
        shrunk = true;
      }
    }
  }
  return candidates;
}
