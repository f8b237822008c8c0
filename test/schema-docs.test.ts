import {
  type GraphQLArgument,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';

// The schema is the documentation a frontend developer reads in GraphiQL and their editor: every type,
// field, argument, enum value and directive of our own says what it is, in words beyond its name.

interface Member {
  /** Where it is, e.g. `Query.areas(first)`. */
  where: string;
  name: string;
  description: string | null | undefined;
}

/** Everything in the schema that can carry a description, graphql-js's own types and directives aside. */
function members(s: GraphQLSchema): Member[] {
  const out: Member[] = [];
  const args = (owner: string, list: readonly GraphQLArgument[]) => {
    for (const a of list) out.push({ where: `${owner}(${a.name})`, name: a.name, description: a.description });
  };
  for (const type of Object.values(s.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    out.push({ where: type.name, name: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.push({ where: `${type.name}.${field.name}`, name: field.name, description: field.description });
        args(`${type.name}.${field.name}`, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.push({ where: `${type.name}.${field.name}`, name: field.name, description: field.description });
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues())
        out.push({ where: `${type.name}.${value.name}`, name: value.name, description: value.description });
    }
  }
  for (const directive of s.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    out.push({ where: `@${directive.name}`, name: directive.name, description: directive.description });
    args(`@${directive.name}`, directive.args);
  }
  return out;
}

const MIN_WORDS = 4;
// Words that add nothing to a name: "The median rent" says no more than `medianRent`.
const FILLER = new Set(['the', 'a', 'an', 'of', 'for', 'in', 'on', 'at', 'to', 'by', 'is', 'its', 'it', 'this', 'and', 'or']);

const wordsOf = (text: string) => text.toLowerCase().match(/[a-z]+|[0-9]+/g) ?? [];
/** `crimeRatePer1000` -> crime rate per 1000; `FOUR_PLUS_BED` -> four plus bed. */
const nameWords = (name: string) => wordsOf(name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' '));

/** What is wrong with a description, or undefined when it says something. */
function problemOf(name: string, description: string | null | undefined): string | undefined {
  if (!description?.trim()) return 'no description';
  const words = wordsOf(description);
  if (words.length < MIN_WORDS) return `shorter than ${MIN_WORDS} words`;
  const named = new Set(nameWords(name));
  if (words.every((w) => named.has(w) || FILLER.has(w))) return 'only restates the name';
  return undefined;
}

describe('the schema as documentation', () => {
  const all = members(schema);

  it('walks every kind of member: types, fields, arguments, input fields, enum values, directives and their arguments', () => {
    const where = new Set(all.map((m) => m.where));
    for (const expected of [
      'Area',
      'Query.areas',
      'Query.areas(first)',
      'AreaFilter.maxRent',
      'ExclusionCode.NO_ROUTE',
      'DateTime',
      '@cost',
      '@listSize(slicingArguments)',
      '@defer(label)',
      '@stream(initialCount)',
    ]) {
      expect(where, expected).toContain(expected);
    }
    // Nothing of graphql-js's own (String, __Type, @include) is counted.
    expect(where).not.toContain('String');
    expect(where).not.toContain('@include');
  });

  it('describes every one of them in words beyond its name', () => {
    const problems = all.flatMap((m) => {
      const problem = problemOf(m.name, m.description);
      return problem ? [`${m.where}: ${problem}`] : [];
    });
    const described = all.length - problems.length;
    expect(problems, `${described} of ${all.length} described`).toEqual([]);
  });

  it('the check refuses what a real description is not', () => {
    expect(problemOf('medianRent', null)).toBe('no description');
    expect(problemOf('medianRent', '  ')).toBe('no description');
    expect(problemOf('medianRent', 'GBP per month.')).toBe(`shorter than ${MIN_WORDS} words`);
    expect(problemOf('crimeRatePer1000', 'The crime rate per 1000.')).toBe('only restates the name');
    expect(problemOf('FOUR_PLUS_BED', 'Four plus bed, the')).toBe('only restates the name');
    expect(problemOf('medianRent', 'Median rent, GBP per calendar month.')).toBeUndefined();
  });
});
