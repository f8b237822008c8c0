import { gql, type TypedDocumentNode } from '@urql/core';
import { client, onThrottle } from './client.ts';
import { formatNumber, h, section } from './dom.ts';
import { notices } from './notices.ts';

/** An area field the picker offers: where it sits under `Area`, and how it is shown. */
interface Field {
  group?: 'housing' | 'safety' | 'schools' | 'transport' | 'environment';
  name: string;
  label: string;
  digits?: number;
}

const FIELDS: Field[] = [
  { name: 'population', label: 'Population', digits: 0 },
  { name: 'densityPerHectare', label: 'Residents per ha' },
  { name: 'averageAge', label: 'Average age' },
  { group: 'housing', name: 'medianRentAll', label: 'Median rent', digits: 0 },
  { group: 'housing', name: 'averagePrice', label: 'Average price', digits: 0 },
  { group: 'housing', name: 'priceChange5yPct', label: 'Price change 5y %' },
  { group: 'housing', name: 'ownedPct', label: 'Owned %' },
  { group: 'safety', name: 'crimeRatePer1000', label: 'Crimes per 1,000' },
  { group: 'schools', name: 'gcse5acPct', label: 'GCSE 5+ A*-C %' },
  { group: 'transport', name: 'ptal', label: 'PTAL' },
  { group: 'transport', name: 'stationCount', label: 'Stations', digits: 0 },
  { group: 'environment', name: 'greenspacePct', label: 'Green space %' },
  { group: 'environment', name: 'cyclingPct', label: 'Cycling %' },
];

const PAGE = 10;

type Row = { id: string; code: string; name: string } & Record<string, unknown>;

const key = (field: Field) => (field.group ? `${field.group}.${field.name}` : field.name);

const figure = (row: Row, field: Field): number | null => {
  const holder = field.group ? (row[field.group] as Record<string, unknown> | null) : row;
  const value = holder?.[field.name];
  return typeof value === 'number' ? value : null;
};

/** The document for the fields ticked: only those, each group (one engine call each) only when one of its fields is. */
function pickedQuery(picked: Field[]): string {
  const scalars = picked.filter((f) => !f.group).map((f) => f.name);
  const groups = new Map<string, string[]>();
  for (const f of picked) if (f.group) groups.set(f.group, [...(groups.get(f.group) ?? []), f.name]);
  const selections = [...scalars, ...[...groups].map(([group, names]) => `${group} { ${names.join(' ')} }`)];
  return `query PickedFields {\n  areas(first: 33) {\n    nodes {\n      id code name\n${selections.map((line) => `      ${line}\n`).join('')}    }\n  }\n}`;
}

interface Price {
  rateLimit: {
    maxQueryCost: number;
    query: { requestedQueryCost: number | null; withinMaximum: boolean; affordableNow: boolean; errors: string[] } | null;
    budgets: { name: string; remaining: number; limit: number }[];
  } | null;
}

/** Free, and charged to no budget: what the document would cost. */
const PriceDocument: TypedDocumentNode<Price, { query: string }> = gql`
  query Price($query: String!) {
    rateLimit(query: $query) {
      maxQueryCost
      query { requestedQueryCost withinMaximum affordableNow errors }
      budgets { name remaining limit }
    }
  }
`;

/** Ticks for area fields, the query they make with its price, and a table of the answer that sorts and pages. */
export function showFields(): void {
  const root = section('fields');
  const ticks = FIELDS.map((field, index) =>
    h('input', {
      type: 'checkbox',
      name: key(field),
      checked: index === 0 || field.name === 'medianRentAll' || field.name === 'crimeRatePer1000',
    }),
  );
  const picked = () => FIELDS.filter((_, i) => ticks[i]!.checked);
  const queryText = h('pre', { class: 'query' });
  const cost = h('span', { class: 'cost muted' });
  // What is left of the minute budget, as the last answer of any section said.
  const left = h('span', { class: 'left muted' });
  onThrottle(({ currentlyAvailable, maximumAvailable }) => {
    left.textContent = `${currentlyAvailable} of ${maximumAvailable} points left this minute`;
  });
  const fetchButton = h('button', { type: 'button', onclick: () => void run() }, 'Fetch');
  const messages = h('div');
  const table = h('div', { class: 'table' });
  let sort: { field: Field | undefined; ascending: boolean } = { field: undefined, ascending: true };
  let page = 0;
  let rows: Row[] = [];
  let columns: Field[] = [];

  /** The document for the ticks, and its price: after a pause in ticking, as price checks are 60 a minute. */
  let pricing: ReturnType<typeof setTimeout> | undefined;
  function schedulePrice() {
    const query = pickedQuery(picked());
    queryText.textContent = query;
    clearTimeout(pricing);
    // Fields graphcache holds in full (the map's) are answered without a request: nothing to price.
    const cached = client.readQuery(gql(query), {});
    if (cached?.data && cached.operation.context.meta?.cacheOutcome === 'hit') {
      cost.textContent = 'No request needed: the page already holds these fields.';
      return;
    }
    cost.textContent = 'Pricing…';
    pricing = setTimeout(() => void price(query), 300);
  }

  async function price(query: string) {
    const result = await client.query(PriceDocument, { query }, { requestPolicy: 'network-only' }).toPromise();
    if (queryText.textContent !== query) return; // a later tick has priced its own
    const answer = result.data?.rateLimit;
    if (answer?.query?.requestedQueryCost) {
      cost.textContent = `Costs ${answer.query.requestedQueryCost} points (at most ${answer.maxQueryCost} a query).`;
      const minute = answer.budgets.find((b) => b.name === 'minute');
      if (minute) left.textContent = `${minute.remaining} of ${minute.limit} points left this minute`;
      return;
    }
    // The server's words, not urql's "[GraphQL] " summary of them.
    const why = answer?.query?.errors.length
      ? answer.query.errors
      : (result.error?.graphQLErrors.map((e) => e.message) ?? [result.error?.networkError?.message ?? 'no answer']);
    cost.textContent = `Cannot be priced: ${why.join('; ')}`;
  }

  function turn(by: number) {
    page += by;
    render();
  }

  function render() {
    const sorted = [...rows];
    if (sort.field) {
      const field = sort.field;
      sorted.sort((a, b) => {
        const [x, y] = [figure(a, field), figure(b, field)];
        if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // missing figures last
        return sort.ascending ? x - y : y - x;
      });
    } else if (!sort.ascending) {
      sorted.reverse();
    }
    const pages = Math.max(1, Math.ceil(sorted.length / PAGE));
    page = Math.min(page, pages - 1);
    const header = (label: string, field: Field | undefined) =>
      h(
        'th',
        { 'aria-sort': sort.field === field ? (sort.ascending ? 'ascending' : 'descending') : 'none' },
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              sort = { field, ascending: sort.field === field ? !sort.ascending : true };
              page = 0; // a new order starts at its beginning
              render();
            },
          },
          `${label}${sort.field === field ? (sort.ascending ? ' ▲' : ' ▼') : ''}`,
        ),
      );
    table.replaceChildren(
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, header('Borough', undefined), ...columns.map((f) => header(f.label, f)))),
        h(
          'tbody',
          {},
          ...sorted
            .slice(page * PAGE, page * PAGE + PAGE)
            .map((row) =>
              h('tr', {}, h('td', {}, row.name), ...columns.map((f) => h('td', {}, formatNumber(figure(row, f), f.digits ?? 1)))),
            ),
        ),
      ),
      h(
        'div',
        { class: 'row pager' },
        h('button', { type: 'button', disabled: page === 0, onclick: () => turn(-1) }, 'Previous'),
        h('span', { class: 'muted' }, `Page ${page + 1} of ${pages} (${sorted.length} boroughs)`),
        h('button', { type: 'button', disabled: page >= pages - 1, onclick: () => turn(1) }, 'Next'),
      ),
    );
  }

  /** Fetches the fields ticked; asked again once when a budget refused it and its countdown ends. */
  async function run(retried = false) {
    const chosen = picked();
    const document: TypedDocumentNode<{ areas: { nodes: Row[] } | null }> = gql(pickedQuery(chosen));
    fetchButton.disabled = true;
    const result = await client.query(document, {}).toPromise();
    fetchButton.disabled = false;
    messages.replaceChildren(...notices(result.error, result.extensions, retried ? undefined : () => void run(true)));
    if (!result.data?.areas) return;
    rows = result.data.areas.nodes;
    columns = chosen;
    page = 0;
    if (sort.field && !columns.includes(sort.field)) sort = { field: undefined, ascending: true };
    render();
  }

  const picker = h(
    'fieldset',
    {},
    h('legend', {}, 'Area fields'),
    ...FIELDS.map((field, i) => h('label', {}, ticks[i]!, ` ${field.label}`)),
  );
  picker.addEventListener('change', schedulePrice);
  root.append(picker, queryText, h('div', { class: 'row' }, fetchButton, cost, left), messages, table);
  schedulePrice();
  void run();
}
