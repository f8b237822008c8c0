import type { CombinedError } from '@urql/core';
import { h } from './dom.ts';

/** What `extensions.stale` lists: the cached copies past their TTL that an answer used (src/http/stale-plugin.ts). */
interface Stale {
  kind: string;
  ids: string[];
}

const KINDS: Record<string, string> = {
  areas: 'borough figures',
  crime: 'crime figures',
  schools: 'school results',
  stations: 'stations',
  commute: 'commute times',
  recommendations: 'rankings',
};

/** A countdown that says when to try again, and then that it may. */
function retryIn(seconds: number): HTMLElement {
  const element = h('strong');
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    element.textContent = left > 0 ? `Try again in ${left} s.` : 'You can try again now.';
    if (left > 0) setTimeout(tick, 1000);
  };
  tick();
  return element;
}

/**
 * An answer's problems as a person would want them: when to retry once a budget is spent, what is out of date
 * when the engine is away, and otherwise the server's own message (never a stack: it sends none).
 */
export function notices(error: CombinedError | undefined, extensions: Record<string, unknown> | undefined): HTMLElement[] {
  const shown: HTMLElement[] = [];
  const seen = new Set<string>();
  for (const graphQLError of error?.graphQLErrors ?? []) {
    const code = String(graphQLError.extensions?.code ?? '');
    if (seen.has(code)) continue;
    seen.add(code);
    if (code === 'RATE_LIMITED') {
      const budget = String(graphQLError.extensions.budget ?? 'minute');
      const seconds = Number(graphQLError.extensions.retryAfterSeconds ?? 60);
      shown.push(
        h('div', { class: 'notice error', role: 'alert' }, `Too many requests: your ${budget} budget is spent. `, retryIn(seconds)),
      );
    } else if (code === 'UPSTREAM_UNAVAILABLE' || code === 'UPSTREAM_BAD_RESPONSE') {
      shown.push(
        h(
          'div',
          { class: 'notice error', role: 'alert' },
          'The data engine is not answering, so this could not be fetched. Try again in a minute.',
        ),
      );
    } else {
      shown.push(h('div', { class: 'notice error', role: 'alert' }, graphQLError.message));
    }
  }
  if (error?.networkError) {
    shown.push(h('div', { class: 'notice error', role: 'alert' }, `The server could not be reached (${error.networkError.message}).`));
  }
  const stale = extensions?.stale as Stale[] | undefined;
  if (stale?.length) {
    const what = stale.map(({ kind, ids }) => `${KINDS[kind] ?? kind} (${ids.length})`).join(', ');
    shown.push(
      h(
        'div',
        { class: 'notice warning', role: 'status' },
        `The data engine is not answering: these come from an older copy and may be out of date: ${what}.`,
      ),
    );
  }
  return shown;
}
