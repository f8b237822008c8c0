/** A markdown table; `align` per column, 'r' for figures. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[], align: readonly ('l' | 'r')[]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** "1 answer", "2 answers". */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
