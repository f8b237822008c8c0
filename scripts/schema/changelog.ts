/**
 * The one part of CHANGELOG.md a program reads: the "Breaking changes" list of its "## Unreleased" section,
 * each line a schema coordinate and why it may break clients:
 *
 *     ## Unreleased
 *
 *     ### Breaking changes
 *
 *     - `Area.population`: replaced by `Area.housing.population`; the dashboard stopped reading it in March.
 *
 * Read strictly: any other line in that list is a problem, not something skipped, so a typo never leaves a
 * breaking change unlisted without a word. Fenced code blocks are skipped (the file may show examples).
 */

const UNRELEASED = '## Unreleased';
const BREAKING = '### Breaking changes';

/**
 * A schema coordinate as the GraphQL spec writes them: `Type`, `Type.field`, `Type.field(arg:)`,
 * `Enum.VALUE`, `Input.field`, `@directive`, `@directive(arg:)`.
 */
const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const COORDINATE = `(?:${NAME}(?:\\.${NAME}(?:\\(${NAME}:\\))?)?|@${NAME}(?:\\(${NAME}:\\))?)`;
const ENTRY = new RegExp(`^- \`(${COORDINATE})\`: (\\S.*)$`);

export interface BreakingChangeList {
  /** Coordinate to reason, in the order listed. */
  entries: Map<string, string>;
  /** What breaks the format, each with its line number; empty when the list is well formed. */
  problems: string[];
}

interface Line {
  number: number;
  text: string;
}

/** The lines outside fenced code blocks, numbered from 1. */
function proseLines(text: string): Line[] {
  const lines: Line[] = [];
  let fenced = false;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) lines.push({ number: index + 1, text: line });
  });
  return lines;
}

interface Section {
  /** Line numbers (from 1) of the heading and of the line that ends the section (the next `## `, or one past the end). */
  heading: number;
  end: number;
  /** Its prose lines. */
  body: Line[];
}

/** The "## Unreleased" section: after its heading, before the next `## `. */
function unreleasedSection(text: string): Section | { problem: string } {
  const lines = proseLines(text);
  const starts = lines.filter((line) => line.text.trim() === UNRELEASED);
  if (starts.length !== 1) {
    return { problem: `CHANGELOG.md needs exactly one "${UNRELEASED}" heading (found ${starts.length})` };
  }
  const heading = starts[0]!.number;
  const next = lines.find((line) => line.number > heading && /^## /.test(line.text));
  const end = next?.number ?? text.split('\n').length + 1;
  return { heading, end, body: lines.filter((line) => line.number > heading && line.number < end) };
}

export function readBreakingChanges(text: string): BreakingChangeList {
  const entries = new Map<string, string>();
  const section = unreleasedSection(text);
  if ('problem' in section) return { entries, problems: [section.problem] };
  const problems: string[] = [];
  const headings = section.body.filter((line) => line.text.trim() === BREAKING);
  if (headings.length > 1) problems.push(`CHANGELOG.md line ${headings[1]!.number}: a second "${BREAKING}" under "${UNRELEASED}"`);
  if (headings.length === 0) return { entries, problems };
  const start = section.body.indexOf(headings[0]!) + 1;
  for (const line of section.body.slice(start)) {
    if (/^#/.test(line.text)) break;
    if (line.text.trim() === '') continue;
    const match = ENTRY.exec(line.text.trimEnd());
    if (!match) {
      problems.push(
        `CHANGELOG.md line ${line.number}: "${line.text}" is not an entry of "${BREAKING}"; ` +
          'write one line per change: - `Type.field`: why it breaks and what clients use instead',
      );
    } else if (entries.has(match[1]!)) {
      problems.push(`CHANGELOG.md line ${line.number}: \`${match[1]}\` is listed twice`);
    } else {
      entries.set(match[1]!, match[2]!.trim());
    }
  }
  return { entries, problems };
}

/**
 * The changelog after a release on `date` (YYYY-MM-DD): what "## Unreleased" held moves under "## <date>",
 * and a new, empty "## Unreleased" with its "### Breaking changes" takes its place, as the entries now
 * describe the released schema and would otherwise cover the next change at the same coordinates.
 * Unchanged when the section holds nothing but its headings.
 */
export function releaseChangelog(text: string, date: string): string {
  const section = unreleasedSection(text);
  if ('problem' in section) throw new Error(section.problem);
  const lines = text.split('\n');
  const body = lines.slice(section.heading, section.end - 1);
  if (body.every((line) => line.trim() === '' || line.trim() === BREAKING)) return text;
  while (body.length > 0 && body[0]!.trim() === '') body.shift();
  while (body.length > 0 && body.at(-1)!.trim() === '') body.pop();
  const released = [UNRELEASED, '', BREAKING, '', `## ${date}`, '', ...body, ''];
  return [...lines.slice(0, section.heading - 1), ...released, ...lines.slice(section.end - 1)].join('\n');
}
