import type { Factor, LocationType, PersonaId, PropertySize, RecommendationInput } from '../operations/generated/graphql.ts';
import { FindStationDocument, RecommendDocument, RecommendWithExplanationsDocument } from '../operations/generated/graphql.ts';
import { client } from './client.ts';
import { formatNumber, h, section } from './dom.ts';
import { notices } from './notices.ts';

const FACTORS: Record<Factor, { label: string; colour: string }> = {
  AFFORDABILITY: { label: 'Affordability', colour: '#2f7ed8' },
  COMMUTE: { label: 'Commute', colour: '#8e44ad' },
  SAFETY: { label: 'Safety', colour: '#27ae60' },
  SCHOOLS: { label: 'Schools', colour: '#f39c12' },
  TRANSPORT: { label: 'Transport', colour: '#16a085' },
  GREEN_SPACE: { label: 'Green space', colour: '#7cb342' },
  PRICE_GROWTH: { label: 'Price growth', colour: '#c0392b' },
};

const PERSONAS: Record<PersonaId, string> = { STUDENT: 'Student', PARENT: 'Parent', DEVELOPER: 'Developer or investor' };
const SIZES: Record<PropertySize, string> = {
  ROOM: 'Room',
  STUDIO: 'Studio',
  ONE_BED: '1 bedroom',
  TWO_BED: '2 bedrooms',
  THREE_BED: '3 bedrooms',
  FOUR_PLUS_BED: '4+ bedrooms',
};

/** Results asked for: each is an explanation job, and 10 new jobs an hour is an anonymous client's budget. */
const LIMIT = 5;

const options = (labels: Record<string, string>, selected: string) =>
  Object.entries(labels).map(([value, label]) => h('option', { value, selected: value === selected }, label));

/** A station search: type part of a name, pick one of the stations it finds. */
function stationPicker(onPick: (code: string | undefined) => void): HTMLElement {
  const input = h('input', { type: 'search', placeholder: 'Commute to (station)…', 'aria-label': 'Commute to station' });
  const found = h('div', { class: 'suggestions' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    onPick(undefined);
    clearTimeout(timer);
    const search = input.value.trim();
    if (search.length < 2) return found.replaceChildren();
    timer = setTimeout(async () => {
      const result = await client.query(FindStationDocument, { search }).toPromise();
      if (input.value.trim() !== search) return;
      found.replaceChildren(
        ...notices(result.error, result.extensions),
        ...(result.data?.stations ?? []).map((station) =>
          h(
            'button',
            {
              type: 'button',
              'data-code': station.code,
              onclick: () => {
                input.value = station.name;
                found.replaceChildren();
                onPick(station.code);
              },
            },
            `${station.name} (zone ${station.zone})`,
          ),
        ),
      );
    }, 200);
  });
  return h('span', {}, input, found);
}

/** One result: its score as a bar of each factor's contribution, and where its explanation will appear. */
function resultItem(result: NonNullable<Awaited<ReturnType<typeof recommend>>>['results'][number]): HTMLElement {
  const bar = h('div', { class: 'bar', title: 'Each factor’s points of the score (out of 100)' });
  for (const factor of result.breakdown) {
    if (factor.contribution <= 0) continue;
    const { label, colour } = FACTORS[factor.factor];
    bar.append(
      h('span', {
        class: 'factor',
        'data-factor': factor.factor,
        style: `width:${factor.contribution}%;background:${colour}`,
        title: `${label}: ${formatNumber(factor.contribution)} points (${formatNumber(factor.rawValue, 2)} ${factor.unit})`,
      }),
    );
  }
  const commute = result.commute
    ? `, ${result.commute.minutes} min with ${result.commute.changes} ${result.commute.changes === 1 ? 'change' : 'changes'}`
    : '';
  return h(
    'li',
    { 'data-code': result.area?.code ?? '' },
    h('strong', {}, result.area?.name ?? '(unknown)'),
    ` — score ${formatNumber(result.score)}, £${formatNumber(result.price, 0)}${commute}`,
    bar,
    h('div', { class: 'explanation', 'data-status': 'PENDING' }, 'Explanation on its way…'),
  );
}

async function recommend(input: RecommendationInput, messages: HTMLElement) {
  const result = await client.query(RecommendDocument, { input }).toPromise();
  messages.append(...notices(result.error, result.extensions));
  return result.data?.recommendations;
}

/**
 * fetch, but a body urql stops reading is read to its end rather than cut. urql stops at the part that says
 * `hasNext: false`, before the multipart body's closing line, and cancels the rest: the browser then shows
 * the request as aborted, though nothing was lost. Its abort signal is not passed on for the same reason, so a
 * stream given up early runs on until the server ends it (EXPLANATION_DEFER_WAIT_MS at most).
 */
async function fetchToTheEnd(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const { signal: _unused, ...rest } = init;
  const response = await fetch(input, rest);
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      while (!(await reader.read()).done) {
        // read and dropped
      }
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * The explanations of the same question through `@defer`: each result's part arrives when its job is READY. POST,
 * as a GET never starts a job (the README's "Using it from a frontend").
 */
function streamExplanations(input: RecommendationInput, list: HTMLElement, messages: HTMLElement): () => void {
  const { unsubscribe } = client
    .query(RecommendWithExplanationsDocument, { input }, { preferGetMethod: false, requestPolicy: 'network-only', fetch: fetchToTheEnd })
    .subscribe((result) => {
      if (result.error && !result.hasNext) messages.append(...notices(result.error, result.extensions));
      for (const item of result.data?.recommendations?.results ?? []) {
        const target = item.area && list.querySelector<HTMLElement>(`li[data-code="${item.area.code}"] .explanation`);
        if (!target || !('explanation' in item)) continue;
        if (!item.explanation) {
          // Refused (the explanations budget, say): the message above says why.
          target.dataset.status = 'NONE';
          target.textContent = 'No explanation for this one (see the message above).';
          continue;
        }
        target.dataset.status = item.explanation.status;
        target.textContent =
          item.explanation.status === 'READY'
            ? (item.explanation.text ?? '')
            : item.explanation.status === 'FAILED'
              ? 'No explanation could be written for this one.'
              : 'Explanation still being written…';
      }
    });
  return unsubscribe;
}

/** The form, and its ranked results with each factor's contribution and their explanations as they arrive. */
export function showRecommendations(): void {
  const root = section('recommend');
  let commuteTo: string | undefined;
  // The stream of the question before, ended when another is asked (its explanations are not this one's), and
  // not sooner: ended as its last part arrives, urql aborts the request before it has read the body's end.
  let stopStream = () => {};
  const persona = h('select', { name: 'persona', 'aria-label': 'Persona' }, ...options(PERSONAS, 'STUDENT'));
  const budget = h('input', { name: 'budget', type: 'number', min: 1, value: 1200, 'aria-label': 'Budget (GBP)' });
  const locationType = h(
    'select',
    { name: 'locationType', 'aria-label': 'Rent or buy' },
    ...options({ RENT: 'Rent (a month)', BUY: 'Buy' }, 'RENT'),
  );
  const size = h('select', { name: 'size', 'aria-label': 'Size' }, ...options(SIZES, 'ROOM'));
  const messages = h('div');
  const list = h('ol', { class: 'results' });
  const legend = h(
    'div',
    { class: 'legend muted' },
    'Score from:',
    ...Object.values(FACTORS).map(({ label, colour }) =>
      h('span', {}, h('span', { class: 'swatch', style: `background:${colour}` }), label),
    ),
  );
  const form = h(
    'form',
    { class: 'row' },
    persona,
    budget,
    locationType,
    size,
    stationPicker((code) => {
      commuteTo = code;
    }),
    h('button', { type: 'submit' }, 'Recommend'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    stopStream();
    messages.replaceChildren();
    list.replaceChildren();
    const input: RecommendationInput = {
      persona: persona.value as PersonaId,
      budget: Number(budget.value),
      locationType: locationType.value as LocationType,
      size: size.value as PropertySize,
      commuteTo,
      limit: LIMIT,
    };
    const ranked = await recommend(input, messages);
    if (!ranked) return;
    list.append(...ranked.results.map(resultItem));
    if (ranked.results.length === 0) messages.append(h('div', { class: 'notice warning' }, 'No borough fits that budget.'));
    else stopStream = streamExplanations(input, list, messages);
  });
  root.append(form, legend, messages, list);
}
