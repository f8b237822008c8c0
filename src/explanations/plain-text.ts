/**
 * Plain text for a client, whatever a model wrote: tags, markdown emphasis, headings, bullets, code marks
 * and links are removed. The engine strips them too; this is the last word before a client sees it.
 */
export function plainText(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|[-*+]|\d+\.)\s+/gm, '')
    .replace(/(\*\*|__|\*|_|`{1,3}|~~)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/`/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}
