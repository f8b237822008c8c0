/**
 * `npm run layers`: the import graph between the folders and root files of src/, checked against the layers
 * in .dependency-cruiser.cjs. Prints the layers, every arrow (one line per importing member), the arrows that
 * run against the layer order with the imports behind them, the pairs that import each other and the cycles.
 * `npm test` fails on these through test/layers.test.ts; this only reports.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ICruiseResult } from 'dependency-cruiser';
import { type Arrow, layerOf, layers, memberGraph, memberOf, root, ruleFile, srcFiles, upwardTypeImports } from './layer-graph.ts';

// dependency-cruiser runs in a child process of its own: under tsx's loader, its `import()` of
// @swc/core/Visitor.js gets the class as the default export instead of the module, it finds no swc
// visitor and every file fails to parse. (The test runs it in-process: vitest loads node_modules natively.)
const cli = fileURLToPath(new URL('../../bin/dependency-cruise.mjs', import.meta.resolve('dependency-cruiser')));
const { NODE_OPTIONS: _, ...env } = process.env;
const run = spawnSync(process.execPath, [cli, '--config', ruleFile, '--output-type', 'json', 'src'], {
  cwd: root,
  env,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (!run.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${run.status}): ${run.stderr}`);
const graph = memberGraph(JSON.parse(run.stdout) as ICruiseResult);
const count = (direction: Arrow['direction']) => graph.arrows.filter((arrow) => arrow.direction === direction);
const mark: Record<Arrow['direction'], string> = {
  down: '',
  'same-layer': ' (same layer)',
  up: ' (UP)',
  'no-layer': ' (outside the layers)',
};
const place = (member: string) => {
  const index = layerOf(member);
  return index === undefined ? 'no layer' : `${index} ${layers[index].name}`;
};

console.log('Layers of src/, bottom first (.dependency-cruiser.cjs):');
layers.forEach((layer, index) => {
  console.log(`  ${String(index).padStart(2)} ${layer.name}: ${layer.members.join(', ')}`);
});

const members = [...new Set(srcFiles().map((file) => memberOf(file)!))];
const unplacedMembers = members.filter((member) => layerOf(member) === undefined);
if (unplacedMembers.length > 0) console.log(`  no layer: ${unplacedMembers.join(', ')}`);
members.sort((a, b) => (layerOf(b) ?? 99) - (layerOf(a) ?? 99) || a.localeCompare(b));
console.log(`\nArrows between members (${graph.files} files, ${graph.imports} imports between them), top layer first:`);
for (const member of members) {
  const out = graph.arrows.filter((arrow) => arrow.from === member);
  if (out.length === 0) continue;
  console.log(`  ${member} [${place(member)}] -> ${out.map((arrow) => arrow.to + mark[arrow.direction]).join(', ')}`);
}

const up = count('up');
const sideways = count('same-layer');
const unplaced = count('no-layer');
const typesOnly = (arrows: Arrow[]) => arrows.filter((arrow) => arrow.typeOnly).length;
console.log(
  `\n${graph.arrows.length} arrows between members: ${count('down').length} down, ` +
    `${up.length} up (${typesOnly(up)} of them types only), ` +
    `${sideways.length} within a layer (${typesOnly(sideways)} types only), ` +
    `${unplaced.length} from or to a member with no layer.`,
);
for (const [title, arrows] of [
  ['Upward', up],
  ['Within one layer', sideways],
  ['From or to a member with no layer', unplaced],
] as const) {
  if (arrows.length === 0) continue;
  console.log(`\n${title} (${arrows.length}):`);
  for (const arrow of arrows) {
    console.log(`  ${arrow.from} [${place(arrow.from)}] -> ${arrow.to} [${place(arrow.to)}]`);
    for (const { from, to, typeOnly } of arrow.imports) {
      const listed = upwardTypeImports.some((pair) => pair.from === from && pair.to === to);
      const notes = `${typeOnly ? ' (import type)' : ''}${listed ? ' (listed in upwardTypeImports)' : ''}`;
      console.log(`      ${from} -> ${to}${notes}`);
    }
  }
}

console.log(`\nMember pairs importing each other: ${graph.mutualPairs.length}`);
const arrow = (from: string, to: string) => graph.arrows.find((item) => item.from === from && item.to === to)!;
for (const [a, b] of graph.mutualPairs) {
  const types = [arrow(a, b), arrow(b, a)].filter((item) => item.typeOnly).map((item) => `${item.from} -> ${item.to}`);
  console.log(`  ${a} <-> ${b}${types.length ? ` (types only: ${types.join(', ')})` : ''}`);
}
console.log(`Cycles between members (groups that reach one another): ${graph.cycles.length}`);
for (const cycle of graph.cycles) console.log(`  ${cycle.join(', ')}`);
console.log(`The same, leaving out arrows that are types only: ${graph.runtimeCycles.length}`);
for (const cycle of graph.runtimeCycles) console.log(`  ${cycle.join(', ')}`);
