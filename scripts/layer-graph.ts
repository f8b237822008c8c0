/**
 * The layers of src/ as .dependency-cruiser.cjs defines them, and the import graph between its members (the
 * folders and root files of src/). Used by test/layers.test.ts and scripts/layers.ts.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFileSync } from '@swc/core';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ruleFile = join(root, '.dependency-cruiser.cjs');

export interface Layer {
  name: string;
  /** Folders ('cache/') and root files ('yoga.ts') of src/. */
  members: string[];
  why: string;
}

/** An upward import the rules allow, between two files, when every import between them is `import type`. */
export interface UpwardTypeImport {
  from: string;
  to: string;
  because: string;
}

const rules = createRequire(import.meta.url)(ruleFile) as { layers: Layer[]; upwardTypeImports: UpwardTypeImport[] };
export const layers: readonly Layer[] = rules.layers;
export const upwardTypeImports: readonly UpwardTypeImport[] = rules.upwardTypeImports;

/**
 * Cruises src/ with the rule file; the result lists every module, dependency and violation. In-process, so
 * under vitest or plain Node only: under tsx's loader dependency-cruiser finds no swc (see scripts/layers.ts).
 */
export async function cruiseSrc(): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(ruleFile);
  const { output } = await cruise(['src'], { ...options, baseDir: root });
  if (typeof output === 'string') throw new Error(`dependency-cruiser answered with text: ${output.slice(0, 200)}`);
  return output;
}

/**
 * Every .ts file under src/, and any other script there (.mts, .js…: dependency-cruiser with swc skips some,
 * and the layer test fails rather than miss one), as 'src/…' with forward slashes, the way dependency-cruiser
 * names them.
 */
export function srcFiles(): string[] {
  return readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .map((file) => posix.join('src', file.split('\\').join('/')))
    .filter((file) => /\.([cm]?[jt]s|[jt]sx)$/.test(file))
    .sort();
}

/** The member a file of src/ belongs to: its top folder ('cache/') or, at the root, the file ('yoga.ts'). */
export function memberOf(source: string): string | undefined {
  if (!source.startsWith('src/')) return undefined;
  const rest = source.slice('src/'.length);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest : rest.slice(0, slash + 1);
}

/** The index of a member's layer, counted from the bottom; undefined for a member with no layer. */
export function layerOf(member: string): number | undefined {
  const index = layers.findIndex((layer) => layer.members.includes(member));
  return index === -1 ? undefined : index;
}

export type Direction = 'down' | 'same-layer' | 'up' | 'no-layer';

export interface Arrow {
  from: string;
  to: string;
  direction: Direction;
  /** The file-level imports behind the arrow. */
  imports: { from: string; to: string; typeOnly: boolean }[];
  /** Every import behind the arrow is `import type`. */
  typeOnly: boolean;
}

export interface MemberGraph {
  files: number;
  imports: number;
  arrows: Arrow[];
  /** Members importing each other, each pair once. */
  mutualPairs: [string, string][];
  /** Groups of two or more members that reach one another (strongly connected components). */
  cycles: string[][];
  /** The same, counting only the arrows with an import that loads code at run time. */
  runtimeCycles: string[][];
}

function directionOf(from: string, to: string): Direction {
  const low = layerOf(from);
  const high = layerOf(to);
  if (low === undefined || high === undefined) return 'no-layer';
  return high < low ? 'down' : high === low ? 'same-layer' : 'up';
}

/** Collapses the cruised file graph into arrows between members. */
export function memberGraph(result: ICruiseResult): MemberGraph {
  const arrows = new Map<string, Arrow>();
  let files = 0;
  let imports = 0;
  for (const module of result.modules) {
    const from = memberOf(module.source);
    if (from === undefined) continue;
    files += 1;
    for (const dependency of module.dependencies) {
      const to = memberOf(dependency.resolved);
      if (to === undefined) continue;
      imports += 1;
      if (to === from) continue;
      const key = `${from} ${to}`;
      const arrow = arrows.get(key) ?? { from, to, direction: directionOf(from, to), imports: [], typeOnly: true };
      const typeOnly = !runtimeSpecifiers(module.source).has(dependency.module);
      arrow.imports.push({ from: module.source, to: dependency.resolved, typeOnly });
      arrow.typeOnly &&= typeOnly;
      arrows.set(key, arrow);
    }
  }
  const list = [...arrows.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const mutualPairs = list
    .filter((arrow) => arrow.from < arrow.to && arrows.has(`${arrow.to} ${arrow.from}`))
    .map((arrow): [string, string] => [arrow.from, arrow.to]);
  return {
    files,
    imports,
    arrows: list,
    mutualPairs,
    cycles: stronglyConnected(list),
    runtimeCycles: stronglyConnected(list.filter((arrow) => !arrow.typeOnly)),
  };
}

/** Tarjan's algorithm; returns the components of two or more nodes, each sorted. */
function stronglyConnected(arrows: Arrow[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of arrows) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node)!) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node);
  return components.sort((a, b) => a[0].localeCompare(b[0]));
}

const runtimeCache = new Map<string, Set<string>>();

/** The fields of an swc node that name a module; the walk visits every other field too. */
interface SwcNode {
  type?: string;
  typeOnly?: boolean;
  isTypeOnly?: boolean;
  source?: { value?: unknown };
  moduleRef?: { expression?: { value?: unknown } };
  callee?: { type?: string };
  arguments?: { expression?: { value?: unknown } }[];
}

/**
 * The modules `file` (relative to the project) loads at run time, by the specifier it names them with:
 * every import or re-export that is not `import type` / `export type`, and every `import()`. A module the
 * file reaches through types only is not in the set. (`import { type A }` still loads the module under
 * verbatimModuleSyntax, so only the declaration-level `type` counts.)
 */
export function runtimeSpecifiers(file: string): Set<string> {
  const cached = runtimeCache.get(file);
  if (cached) return cached;
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    const record = node as SwcNode;
    switch (record.type) {
      case 'ImportDeclaration':
      case 'ExportNamedDeclaration':
      case 'ExportAllDeclaration':
        if (typeof record.source?.value === 'string' && !record.typeOnly) found.add(record.source.value);
        break;
      case 'TsImportEqualsDeclaration':
        if (typeof record.moduleRef?.expression?.value === 'string' && !record.isTypeOnly) {
          found.add(record.moduleRef.expression.value);
        }
        break;
      case 'CallExpression':
        if (record.callee?.type === 'Import' && typeof record.arguments?.[0]?.expression?.value === 'string') {
          found.add(record.arguments[0].expression.value);
        }
        break;
    }
    for (const value of Object.values(record)) walk(value);
  };
  walk(parseFileSync(join(root, file), { syntax: 'typescript', target: 'es2022' }).body);
  runtimeCache.set(file, found);
  return found;
}
