import { readFileSync } from 'node:fs';

/** The fields of one CSV line: commas split them, except inside double quotes (`"Heathrow Terminals 1, 2 & 3"`). */
function fields(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map(([, field]) =>
    field!.startsWith('"') ? field!.slice(1, -1).replaceAll('""', '"') : field!,
  );
}

/**
 * Rows of a CSV the engine ships (python/data), as string records: tests compute their expectations from the
 * data rather than typing figures in.
 */
export function readCsv(name: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(new URL(`../../python/data/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');
  const header = fields(head!);
  return lines.map((line) => Object.fromEntries(fields(line).map((v, i) => [header[i], v])));
}
