/**
 * `npm run schema:release`: schema.graphql becomes schema.released.graphql, the schema later changes are
 * checked against (see check.ts), and what CHANGELOG.md's "## Unreleased" held moves under today's date.
 * Refuses, changing nothing, while the check fails: a breaking change neither a released deprecation nor
 * the changelog allows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { releaseChangelog } from './changelog.ts';
import { checkSchemaChanges, failures } from './check.ts';

const file = (name: string) => new URL(`../../${name}`, import.meta.url);
const read = (name: string) => readFileSync(file(name), 'utf8');

const files = { released: read('schema.released.graphql'), current: read('schema.graphql'), changelog: read('CHANGELOG.md') };
const check = await checkSchemaChanges(files).catch((error: Error) => {
  // A schema or changelog that does not parse: its message (with the line), not a stack trace.
  console.error(`Not released: schema.released.graphql is unchanged.\n\n${error.message}`);
  process.exit(1);
});
const refusals = failures(check);
if (refusals.length > 0) {
  console.error(`Not released: schema.released.graphql is unchanged.\n\n${refusals.join('\n\n')}`);
  process.exit(1);
}
for (const change of check.allowed) {
  const why =
    'changelog' in change.allowedBy! ? `listed in CHANGELOG.md: ${change.allowedBy.changelog}` : 'deprecated in the released schema';
  console.log(`breaking, allowed (${why}): ${change.coordinate}: ${change.message}`);
}
for (const change of check.dangerous) console.log(`dangerous: ${change.coordinate}: ${change.message}`);

if (files.current === files.released) {
  console.log('schema.released.graphql already is schema.graphql: nothing to release');
} else {
  writeFileSync(file('schema.released.graphql'), files.current);
  const changelog = releaseChangelog(files.changelog, new Date().toISOString().slice(0, 10));
  writeFileSync(file('CHANGELOG.md'), changelog);
  console.log(
    `wrote schema.released.graphql${changelog === files.changelog ? '' : ", and moved CHANGELOG.md's Unreleased notes under today's date"}`,
  );
}
