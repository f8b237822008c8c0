import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBreakingChanges, releaseChangelog } from '../scripts/schema/changelog.ts';
import { checkSchemaChanges, failures, type SchemaFiles } from '../scripts/schema/check.ts';

const read = (name: string) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');
const schema = read('schema.graphql');

/** `text` with `from` replaced, which must occur exactly once (or the fixture would test nothing). */
function edit(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

const POPULATION = '  population: Int\n';
// With its description, which would otherwise describe the next field.
const withoutPopulation = edit(schema, `  """Residents in 2017 (GLA estimate); null where not published."""\n${POPULATION}`, '');
const deprecatedPopulation = (directive: string) => edit(schema, POPULATION, `  population: Int ${directive}\n`);
const changelog = (...entries: string[]) =>
  `# Changelog\n\n## Unreleased\n\n### Breaking changes\n\n${entries.join('\n')}\n\n## 2026-01-05\n\n- Older notes.\n`;
const EMPTY_CHANGELOG = changelog();

async function check(files: Partial<SchemaFiles>) {
  return checkSchemaChanges({ released: schema, current: schema, changelog: EMPTY_CHANGELOG, ...files });
}

describe('schema.graphql against schema.released.graphql', () => {
  it('makes no breaking change that a released deprecation or CHANGELOG.md does not allow', async () => {
    const result = await checkSchemaChanges({
      released: read('schema.released.graphql'),
      current: schema,
      changelog: read('CHANGELOG.md'),
    });
    // Each message names the coordinate and what to do: deprecate first, or list it in CHANGELOG.md.
    expect(failures(result)).toEqual([]);
  });
});

describe('the schema change check', () => {
  it('refuses a field removed without a deprecation, naming the field and what to do', async () => {
    const result = await check({ current: withoutPopulation });
    expect(result.refused.map((change) => change.coordinate)).toEqual(['Area.population']);
    const [message] = failures(result);
    expect(message).toMatch(/^Breaking change to `Area\.population`: Field 'population' was removed from object type 'Area'\./);
    expect(message).toContain('@deprecated(reason:');
    expect(message).toContain('veo_field_usage_total{coordinate="Area.population"}');
    expect(message).toContain('"- `Area.population`: <why, and what clients do instead>"');
  });

  it('allows removing a field the released schema deprecates with a reason', async () => {
    const result = await check({
      released: deprecatedPopulation('@deprecated(reason: "Read `housing` instead.")'),
      current: withoutPopulation,
    });
    expect(failures(result)).toEqual([]);
    expect(result.allowed).toMatchObject([{ coordinate: 'Area.population', allowedBy: { deprecation: true } }]);
  });

  it('counts only a released deprecation with its reason written out', async () => {
    // Deprecated in the same change that removes it: no client has been told.
    const unreleased = await check({ current: withoutPopulation, released: schema });
    expect(unreleased.refused.map((change) => change.coordinate)).toEqual(['Area.population']);
    // The default reason ("No longer supported") tells clients nothing.
    const bare = await check({ released: deprecatedPopulation('@deprecated'), current: withoutPopulation });
    expect(bare.refused.map((change) => change.coordinate)).toEqual(['Area.population']);
  });

  it('allows a breaking change CHANGELOG.md lists with its reason', async () => {
    const result = await check({
      current: withoutPopulation,
      changelog: changelog('- `Area.population`: the GLA stopped publishing it; read `households`.'),
    });
    expect(failures(result)).toEqual([]);
    expect(result.allowed).toMatchObject([
      { coordinate: 'Area.population', allowedBy: { changelog: 'the GLA stopped publishing it; read `households`.' } },
    ]);
  });

  it('lets a non-breaking addition through', async () => {
    const result = await check({ current: edit(schema, POPULATION, `${POPULATION}  populationGrowth: Float\n`) });
    expect(failures(result)).toEqual([]);
    expect(result.allowed).toEqual([]);
  });

  it('names an argument by its coordinate', async () => {
    const result = await check({
      current: edit(
        schema,
        '  commute(\n    """The destination station\'s `code` (digits, see `stations`)."""\n    to: ID!',
        '  commute(\n    to: Int!',
      ),
    });
    expect(result.refused.map((change) => change.coordinate)).toEqual(['Area.commute(to:)']);
  });

  it('allows removing a type only when everything in the released schema that names it is deprecated', async () => {
    const released = `
      type Query { area: Area, legacy: Legacy @deprecated(reason: "Use area.") }
      type Area { name: String }
      type Legacy { old: Older }
      type Older { value: Int }`;
    const current = 'type Query { area: Area }\ntype Area { name: String }';
    const retired = await check({ released, current });
    expect(failures(retired)).toEqual([]);
    expect(retired.allowed.map((change) => change.coordinate).sort()).toEqual(['Legacy', 'Older', 'Query.legacy']);

    const stillNamed = await check({ released: released.replace('name: String', 'name: String, older: Older'), current });
    expect(stillNamed.refused.map((change) => change.coordinate).sort()).toEqual(['Area.older', 'Older']);
  });
});

describe("CHANGELOG.md's breaking changes", () => {
  it('reads one entry per line: a schema coordinate and its reason', () => {
    const { entries, problems } = readBreakingChanges(
      changelog(
        '- `Area.population`: gone.',
        '- `Query.areas(first:)`: required now.',
        '- `Factor.SAFETY`: merged.',
        '- `@cost(weight:)`: an Int.',
      ),
    );
    expect(problems).toEqual([]);
    expect([...entries.keys()]).toEqual(['Area.population', 'Query.areas(first:)', 'Factor.SAFETY', '@cost(weight:)']);
  });

  it('refuses what is not an entry, a coordinate listed twice, and a missing Unreleased section', () => {
    const { problems } = readBreakingChanges(
      changelog('- `Area.population`: gone.', '- Area.name: no backticks', '- `Area.population`: again.', '- `Area.code`:'),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^CHANGELOG\.md line 8: "- Area\.name: no backticks" is not an entry/),
      'CHANGELOG.md line 9: `Area.population` is listed twice',
      expect.stringMatching(/^CHANGELOG\.md line 10: "- `Area\.code`:" is not an entry/),
    ]);
    expect(readBreakingChanges('# Changelog\n').problems).toEqual(['CHANGELOG.md needs exactly one "## Unreleased" heading (found 0)']);
  });

  it('reads only the Unreleased section, outside code blocks', () => {
    const text = `# Changelog\n\n\`\`\`\n## Unreleased\n- nonsense\n\`\`\`\n\n${changelog('- `Area.name`: renamed.').slice('# Changelog\n\n'.length)}`;
    const { entries, problems } = readBreakingChanges(text);
    expect(problems).toEqual([]);
    expect([...entries.keys()]).toEqual(['Area.name']);
  });

  it('fails the check with an entry that names no change', async () => {
    const result = await check({ changelog: changelog('- `Area.populaton`: typo.') });
    expect(failures(result)).toEqual([expect.stringMatching(/^CHANGELOG\.md lists `Area\.populaton` under "Breaking changes", but/)]);
  });

  it('moves what Unreleased held under the release date on release', () => {
    const released = releaseChangelog(changelog('- `Area.population`: gone.'), '2026-02-01');
    expect(released).toBe(
      '# Changelog\n\n## Unreleased\n\n### Breaking changes\n\n## 2026-02-01\n\n### Breaking changes\n\n- `Area.population`: gone.\n\n## 2026-01-05\n\n- Older notes.\n',
    );
    expect(readBreakingChanges(released).entries.size).toBe(0);
    expect(releaseChangelog(EMPTY_CHANGELOG, '2026-02-01')).toBe(EMPTY_CHANGELOG);
  });
});
