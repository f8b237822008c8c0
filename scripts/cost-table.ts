import { readFileSync, writeFileSync } from 'node:fs';
import { costTable } from '../src/ratelimit/cost-table.ts';
import { schema } from '../src/schema/index.ts';

// Writes the README's table of field weights from the schema (npm run cost:table).
const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const updated = text.replace(
  /(<!-- cost-table:[^\n]*-->\n)[\s\S]*?(\n<!-- \/cost-table -->)/,
  (_all, open: string, close: string) => `${open}${costTable(schema)}${close}`,
);
writeFileSync(readme, updated);
console.log(costTable(schema));
