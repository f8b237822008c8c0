/** What the ops tests read of a Grafana dashboard: its panels (rows hold theirs when collapsed) and variables. */
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { refId: string; expr?: string }[];
  panels?: Panel[];
}
export interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
}

export interface PanelQuery {
  /** `panel_<id>_<refId>`: a valid recording-rule name, to find the query again in promtool's report. */
  name: string;
  title: string;
  expr: string;
}

/** Every query of every panel, rows' panels included. */
export function dashboardQueries(dashboard: Dashboard): PanelQuery[] {
  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ name: `panel_${panel.id}_${target.refId}`, title: panel.title, expr: target.expr ?? '' })),
  );
}

/**
 * A query as Prometheus receives it from Grafana: the interval variables become durations, the dashboard's
 * own variables (`$job`, `${instance}`) a value.
 */
export function asPromQL(expr: string): string {
  return expr
    .replace(/\$(__rate_interval|__interval|__range)\b/g, (_, name: string) => (name === '__range' ? '1h' : '1m'))
    .replace(/\$\{?\w+\}?/g, 'x');
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless']);

/**
 * The metric names a PromQL expression selects: the identifiers left once strings, label matchers, label
 * lists and ranges are taken out, that are neither a function (followed by `(`) nor a keyword.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '[]');
  const names = new Set<string>();
  // Not the unit of a number (`offset 5m`, `1e3`).
  for (const match of bare.matchAll(/(?<![\w.:])[a-zA-Z_:][\w:]*/g)) {
    const after = bare.slice(match.index + match[0].length);
    if (/^\s*\(/.test(after) || KEYWORDS.has(match[0])) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** The names of the samples of a Prometheus text scrape (a histogram's are its _bucket, _sum and _count). */
export function sampleNames(scrape: string): Set<string> {
  return new Set([...scrape.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((match) => match[1]!));
}

/** The metrics the dashboard's variables list label values of (`label_values(metric{...}, label)`). */
export function variableMetrics(dashboard: Dashboard): string[] {
  return dashboard.templating.list.flatMap(({ definition }) => {
    const metric = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(definition ?? '')?.[1];
    return metric ? [metric] : [];
  });
}

/** The `expr` of each rule of a rules file as this project writes them: inline, or a `|` block below the key. */
export function ruleExprs(yaml: string): string[] {
  const lines = yaml.split('\n');
  return lines.flatMap((line, i) => {
    const key = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!key) return [];
    if (key[2] !== '|') return [key[2]!];
    const indent = key[1]!.length;
    const block: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break;
      block.push(next.trim());
    }
    return [block.join(' ').trim()];
  });
}
