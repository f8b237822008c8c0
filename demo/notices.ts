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

/**
 * A countdown that says when to try again; at its end `retry` runs once by itself (what was refused is asked
 * again), or, without one, it says that the reader may.
 */
function retryIn(seconds: number, retry?: () => void): HTMLElement {
  const element = h('strong');
  const until = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left > 0) {
      element.textContent = `Try again in ${left} s.`;
      setTimeout(tick, Math.min(1000, until - Date.now()));
    } else if (retry) {
      element.textContent = 'Trying again…';
      retry();
    } else {
      element.textContent = 'You can try again now.';
    }
  };
  tick();
  return element;
}

/** What a RATE_LIMITED error's extensions hold (src/ratelimit/plugin.ts, src/explanations/charge.ts). */
interface RateLimited {
  budget?: string;
  retryAfterSeconds?: number;
  cost?: { requestedQueryCost?: number; throttleStatus?: { currentlyAvailable: number } };
}

/** Why a RATE_LIMITED refusal happened, from its extensions: the cost against what is left, not "spent". */
export function rateLimitReason(extensions: RateLimited, message: string): string {
  const budget = extensions.budget ?? 'minute';
  const cost = extensions.cost?.requestedQueryCost;
  const left = extensions.cost?.throttleStatus?.currentlyAvailable;
  if (budget === 'minute' && cost !== undefined && left !== undefined) {
    return `this query costs ${cost} points and the minute budget has ${left} left`;
  }
  if (budget === 'info') return 'the free price checks (rateLimit) are used up for this minute';
  // The day and explanations budgets: the server's own words, without its prefix and retry (said apart).
  return message
    .replace(/^Rate limited: /, '')
    .replace(/\s*Retry in \d+ s\.$/, '')
    .replace(/\.$/, '');
}

/** Seconds as a person says them: "40 s", "6 min". */
export const duration = (seconds: number) => (seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`);

/**
 * An answer's problems as a person would want them: why a budget refused it and when it is asked again, what
 * is out of date when the engine is away, and otherwise the server's own message (never a stack: it sends
 * none). `retry` asks again what was refused, once the countdown of a RATE_LIMITED refusal ends.
 */
export function notices(
  error: CombinedError | undefined,
  extensions: Record<string, unknown> | undefined,
  retry?: () => void,
): HTMLElement[] {
  const shown: HTMLElement[] = [];
  const seen = new Set<string>();
  for (const graphQLError of error?.graphQLErrors ?? []) {
    const code = String(graphQLError.extensions?.code ?? '');
    if (seen.has(code)) continue;
    seen.add(code);
    if (code === 'RATE_LIMITED') {
      const limited = graphQLError.extensions as RateLimited;
      const seconds = limited.retryAfterSeconds;
      shown.push(
        h(
          'div',
          { class: 'notice error', role: 'alert' },
          `Too many requests: ${rateLimitReason(limited, graphQLError.message)}. `,
          // Without retryAfterSeconds waiting would not help, and the reason says what to do instead.
          seconds === undefined ? null : retryIn(seconds, retry),
        ),
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
