import type { CombinedError } from '@urql/core';
import type { Factor, LocationType, PersonaId, PropertySize, RecommendationInput } from '../operations/generated/graphql.ts';
import { RecommendDocument, RecommendWithExplanationsDocument } from '../operations/generated/graphql.ts';
import { client } from './client.ts';
import { type MapStation, TubeDocument } from './documents.ts';
import { formatNumber, h, section } from './dom.ts';
import { duration, notices, rateLimitReason } from './notices.ts';

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

/** A name as compared: lower case, letters and digits only ("King's Cross St. Pancras" → "kings cross st pancras"). */
const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/** What the station search holds: the typed text, and the code picked for it, if one is. */
interface StationPicker {
  element: HTMLElement;
  /** The station picked, the one station the text matches, or what is wrong with the text. */
  resolve(): Promise<{ code?: string; problem?: string }>;
}

/**
 * A station search: type part of a name, pick one of the stations it finds. It searches the map's stations
 * (graphcache holds them once the map is drawn: no request of its own), ignoring case and punctuation, which
 * the server's `stations(search:)` does not.
 */
function stationPicker(): StationPicker {
  const input = h('input', { type: 'search', placeholder: 'Commute to (station)…', 'aria-label': 'Commute to station' });
  const found = h('div', { class: 'suggestions' });
  let picked: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const matching = async (text: string) => {
    const result = await client.query(TubeDocument, {}).toPromise();
    const wanted = normalise(text);
    const stations = (result.data?.stations ?? []).filter((station) => normalise(station.name).includes(wanted));
    return { result, stations };
  };
  const pick = (station: MapStation) => {
    input.value = station.name;
    found.replaceChildren();
    picked = station.code;
  };
  input.addEventListener('input', () => {
    picked = undefined;
    clearTimeout(timer);
    const search = input.value.trim();
    if (normalise(search).length < 2) return found.replaceChildren();
    timer = setTimeout(async () => {
      const { result, stations } = await matching(search);
      if (input.value.trim() !== search) return;
      found.replaceChildren(
        ...notices(result.error, result.extensions),
        ...(result.data && stations.length === 0 ? [h('span', { class: 'muted' }, 'No station found.')] : []),
        ...stations
          .slice(0, 10)
          .map((station) =>
            h(
              'button',
              { type: 'button', 'data-code': station.code, onclick: () => pick(station) },
              `${station.name} (${station.lines.map((line) => line.name).join(', ')})`,
            ),
          ),
      );
    }, 200);
  });
  return {
    element: h('span', {}, input, found),
    async resolve() {
      const text = input.value.trim();
      if (picked || !text) return { code: picked };
      const { stations } = await matching(text);
      const exact = stations.filter((station) => normalise(station.name) === normalise(text));
      const only = exact.length === 1 ? exact[0] : stations.length === 1 ? stations[0] : undefined;
      if (only) {
        pick(only);
        return { code: only.code };
      }
      return {
        problem:
          stations.length === 0
            ? `The commute destination "${text}" was not recognised: no station has that name.`
            : `The commute destination "${text}" matches ${stations.length} stations: pick one from the list.`,
      };
    },
  };
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

/** The ranking; `retry` asks again once a budget's countdown ends. */
async function recommend(input: RecommendationInput, messages: HTMLElement, retry?: () => void) {
  const result = await client.query(RecommendDocument, { input }).toPromise();
  messages.append(...notices(result.error, result.extensions, retry));
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

/** Why an explanation was refused, with when to ask again: from the error at its path or the request's. */
function refusal(error: CombinedError['graphQLErrors'][number] | undefined, networkError: Error | undefined): string {
  if (networkError) return `the request failed (${networkError.message}); try again in a minute.`;
  if (!error) return 'the answer ended without it; try again in a minute.';
  const code = String(error.extensions?.code ?? '');
  if (code === 'RATE_LIMITED') {
    const seconds = error.extensions.retryAfterSeconds;
    const reason = rateLimitReason(error.extensions, error.message);
    // Without a retry time it is more than the budget ever holds: the server's words say to ask for fewer.
    return typeof seconds === 'number' ? `${reason}; try again in ${duration(seconds)}.` : `${reason}.`;
  }
  if (code === 'UPSTREAM_UNAVAILABLE' || code === 'UPSTREAM_BAD_RESPONSE')
    return 'the data engine is not answering; try again in a minute.';
  return `${error.message.replace(/\.$/, '')}.`;
}

/**
 * The explanations of the same question through `@defer`: each result's part arrives when its job is READY. POST,
 * as a GET never starts a job (the README's "Using it from a frontend"). One refused (a budget, the engine, the
 * request failing) says why in its place rather than staying "on its way".
 */
function streamExplanations(input: RecommendationInput, list: HTMLElement, messages: HTMLElement): () => void {
  const { unsubscribe } = client
    .query(RecommendWithExplanationsDocument, { input }, { preferGetMethod: false, requestPolicy: 'network-only', fetch: fetchToTheEnd })
    .subscribe((result) => {
      if (result.error && !result.hasNext) messages.append(...notices(result.error, result.extensions));
      const errors = result.error?.graphQLErrors ?? [];
      // An error at `recommendations.results.<i>.explanation` is that result's; one without a path is the request's.
      const errorOf = (index: number) => errors.find((e) => e.path?.[0] === 'recommendations' && e.path[2] === index);
      const errorAt = (index: number) => errorOf(index) ?? errors.find((e) => !e.path || e.path.length <= 1);
      const refuse = (target: HTMLElement, error: ReturnType<typeof errorAt>) => {
        target.dataset.status = 'NONE';
        target.textContent = `No explanation: ${refusal(error, result.error?.networkError)}`;
      };
      const results = result.data?.recommendations?.results ?? [];
      for (const [index, item] of results.entries()) {
        const target = item.area && list.querySelector<HTMLElement>(`li[data-code="${item.area.code}"] .explanation`);
        if (!target) continue;
        // Its part not come: refused already if an error names it, or for good once the stream has ended.
        if (!('explanation' in item)) {
          if (errorOf(index) || (!result.hasNext && target.dataset.status === 'PENDING')) refuse(target, errorAt(index));
          continue;
        }
        if (!item.explanation) {
          refuse(target, errorAt(index));
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
      // The whole request refused or failed: no result came back to hold its explanation.
      if (result.error && results.length === 0) {
        for (const target of list.querySelectorAll<HTMLElement>('.explanation[data-status="PENDING"]')) refuse(target, errorAt(-1));
      }
    });
  return unsubscribe;
}

/** The form, and its ranked results with each factor's contribution and their explanations as they arrive. */
export function showRecommendations(): void {
  const root = section('recommend');
  // The stream of the question before, ended when another is asked (its explanations are not this one's), and
  // not sooner: ended as its last part arrives, urql aborts the request before it has read the body's end.
  let stopStream = () => {};
  const persona = h('select', { name: 'persona', 'aria-label': 'Persona' }, ...options(PERSONAS, 'STUDENT'));
  // The schema's bounds of RecommendationInput.budget: above 0, at most 100,000,000 (the browser says so first).
  const budget = h('input', {
    name: 'budget',
    type: 'number',
    min: 0.01,
    max: 100_000_000,
    step: 'any',
    value: 1200,
    'aria-label': 'Budget (GBP)',
  });
  const locationType = h(
    'select',
    { name: 'locationType', 'aria-label': 'Rent or buy' },
    ...options({ RENT: 'Rent (a month)', BUY: 'Buy' }, 'RENT'),
  );
  const size = h('select', { name: 'size', 'aria-label': 'Size' }, ...options(SIZES, 'ROOM'));
  const station = stationPicker();
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
    station.element,
    h('button', { type: 'submit' }, 'Recommend'),
  );
  // A ranking a budget refused is asked again by itself once, not again and again.
  let retrying = false;
  form.addEventListener('submit', async (event) => {
    const retried = retrying;
    retrying = false;
    event.preventDefault();
    stopStream();
    messages.replaceChildren();
    list.replaceChildren();
    const destination = await station.resolve();
    if (destination.problem) return messages.append(h('div', { class: 'notice error', role: 'alert' }, destination.problem));
    const input: RecommendationInput = {
      persona: persona.value as PersonaId,
      budget: Number(budget.value),
      locationType: locationType.value as LocationType,
      size: size.value as PropertySize,
      commuteTo: destination.code,
      limit: LIMIT,
    };
    const ranked = await recommend(
      input,
      messages,
      retried
        ? undefined
        : () => {
            retrying = true;
            form.requestSubmit();
          },
    );
    if (!ranked) return;
    list.append(...ranked.results.map(resultItem));
    if (ranked.results.length === 0) messages.append(h('div', { class: 'notice warning' }, 'No borough fits that budget.'));
    else stopStream = streamExplanations(input, list, messages);
  });
  root.append(form, legend, messages, list);
}
