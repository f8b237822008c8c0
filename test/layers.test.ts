// The layers of src/ (.dependency-cruiser.cjs): every import runs down the layers, and every file is checked.
import type { ICruiseResult, IViolation } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';
import { cruiseSrc, layerOf, layers, memberOf, runtimeSpecifiers, srcFiles, upwardTypeImports } from '../scripts/layer-graph.ts';

let result: ICruiseResult;
beforeAll(async () => {
  result = await cruiseSrc();
});

function describeViolation(violation: IViolation): string {
  const { from, to, rule } = violation;
  if (violation.cycle?.length) {
    return `${rule.name}: ${[from, ...violation.cycle.map((step) => step.name)].join(' -> ')}`;
  }
  const place = (file: string) => {
    const member = memberOf(file);
    const index = member === undefined ? undefined : layerOf(member);
    return index === undefined ? 'no layer' : layers[index].name;
  };
  if (from === to) return `${rule.name}: ${from} [${place(from)}]`;
  return `${rule.name}: ${from} [${place(from)}] -> ${to} [${place(to)}]`;
}

describe('layers of src/', () => {
  it('places every folder and root file of src/ on exactly one layer, and lists only members that exist', () => {
    const listed = layers.flatMap((layer) => layer.members);
    const malformed = listed.filter((member) => !/^[^/]+(\/|\.ts)$/.test(member));
    expect(malformed, 'members are top folders or root files').toEqual([]);
    expect(
      listed.filter((member, index) => listed.indexOf(member) !== index),
      'members on two layers',
    ).toEqual([]);
    const present = [...new Set(srcFiles().map((file) => memberOf(file)!))];
    expect(
      present.filter((member) => !listed.includes(member)),
      'folders and root files with no layer',
    ).toEqual([]);
    expect(
      listed.filter((member) => !present.includes(member)),
      'members with no file in src/',
    ).toEqual([]);
  });

  it('cruises every src/**/*.ts file (and any other script file there)', () => {
    const files = srcFiles();
    expect(files.length).toBeGreaterThan(0);
    const cruised = result.modules.map((module) => module.source).filter((source) => source.startsWith('src/'));
    expect(cruised.length, 'files cruised').toBeGreaterThan(0);
    expect([...cruised].sort()).toEqual(files);
    expect(result.summary.totalDependenciesCruised, 'imports cruised').toBeGreaterThan(0);
  });

  it('has no import against the layers, no cycle and no file without a layer', () => {
    const violations = result.summary.violations.map(describeViolation);
    expect(violations, `${violations.length} violations of .dependency-cruiser.cjs`).toEqual([]);
  });

  it('allows an upward import only between the files the rule file lists, and only as `import type`', () => {
    const problems: string[] = [];
    for (const pair of upwardTypeImports) {
      if (!pair.because?.trim()) problems.push(`${pair.from} -> ${pair.to}: no reason given`);
      const [from, to] = [memberOf(pair.from), memberOf(pair.to)];
      const [low, high] = [from && layerOf(from), to && layerOf(to)];
      if (typeof low !== 'number' || typeof high !== 'number' || high <= low) {
        problems.push(`${pair.from} -> ${pair.to}: not an import up the layers`);
      }
      const module = result.modules.find((item) => item.source === pair.from);
      const imports = module?.dependencies.filter((dependency) => dependency.resolved === pair.to) ?? [];
      if (imports.length === 0) problems.push(`${pair.from} -> ${pair.to}: no such import any more`);
      for (const dependency of imports) {
        if (runtimeSpecifiers(pair.from).has(dependency.module)) {
          const what = `'${dependency.module}' is loaded at run time, not \`import type\` only`;
          problems.push(`${pair.from} -> ${pair.to}: ${what}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
