import { readFileSync } from 'node:fs';

/**
 * Rows of a CSV the engine ships (python/data), as string records: tests compute their expectations from the
 * data rather than typing figures in. The files have no quoted commas.
 */
export function readCsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(new URL(`../../python/data/${name}`, import.meta.url), 'utf8').trim().split('\n');
  const header = head!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])));
}
