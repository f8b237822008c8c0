/** The counters the report reads from each instance's /metrics, summed over the instances. */

/** `cache|<kind>|<result>|<tier>`, `engine|<endpoint>` and `response|<operation>|<result>` to a count. */
export type Series = Map<string, number>;

const COUNTERS = /^(veo_cache_lookups_total|veo_engine_requests_total|veo_response_cache_lookups_total)\{([^}]*)\} (\S+)$/gm;

function keyOf(metric: string, labels: Record<string, string>): string {
  if (metric === 'veo_engine_requests_total') return `engine|${labels.endpoint}`;
  if (metric === 'veo_response_cache_lookups_total') return `response|${labels.operation_name}|${labels.result}`;
  return `cache|${labels.kind}|${labels.result}|${labels.tier}`;
}

async function scrape(url: string): Promise<Series> {
  const response = await fetch(`${url}/metrics`);
  if (!response.ok) throw new Error(`${url}/metrics answered ${response.status}`);
  const series: Series = new Map();
  for (const match of (await response.text()).matchAll(COUNTERS)) {
    const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const key = keyOf(match[1]!, labels);
    series.set(key, (series.get(key) ?? 0) + Number(match[3]));
  }
  return series;
}

export async function scrapeAll(urls: readonly string[]): Promise<Series> {
  const total: Series = new Map();
  for (const series of await Promise.all(urls.map(scrape))) {
    for (const [k, v] of series) total.set(k, (total.get(k) ?? 0) + v);
  }
  return total;
}

export function delta(after: Series, before: Series): Series {
  const out: Series = new Map();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) !== 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}
