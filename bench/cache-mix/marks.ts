import { isRevisedCrimeRate, personaFetchedAt } from './engine-stamps.ts';

/** What the proxy's marks in an answer's data say of how current it is (see engine-stamps.ts). */
export interface Marks {
  /** Crime rates in the answer, of the first edition and of the new one. */
  oldCrime: number;
  newCrime: number;
  /** When the engine gave the personas in the answer; undefined without personas. */
  personasFetchedAt?: number;
  /** Personas without a stamp: the proxy was bypassed, and nothing can be said of their age. */
  unstamped: number;
}

/** Reads the marks of every `crimeRatePer1000` and of `personas { name }` in an answer's data. */
export function marksOf(data: unknown): Marks {
  const marks: Marks = { oldCrime: 0, newCrime: 0, unstamped: 0 };
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, member] of Object.entries(value)) {
        if (key === 'crimeRatePer1000' && typeof member === 'number') {
          if (isRevisedCrimeRate(member)) marks.newCrime += 1;
          else marks.oldCrime += 1;
        } else walk(member);
      }
    }
  };
  walk(data);
  const personas = (data as { personas?: { name?: unknown }[] } | null)?.personas;
  for (const persona of Array.isArray(personas) ? personas : []) {
    const at = typeof persona.name === 'string' ? personaFetchedAt(persona.name) : undefined;
    if (at === undefined) marks.unstamped += 1;
    else marks.personasFetchedAt = Math.min(marks.personasFetchedAt ?? at, at);
  }
  return marks;
}

/** A good answer (not an error, not marked stale) of the run, with its marks. */
export interface MarkedAnswer extends Marks {
  sentAt: number;
  answeredAt: number;
  /** Which instance answered: 0 or 1. */
  instance: number;
  /** The request log's field for it: whether the whole answer came from the response cache. */
  responseCache: 'hit' | 'miss' | null | undefined;
  /** What it was, for the list of failures. */
  label: string;
}

/** Answers held to one rule: how many, how many broke it, and the first few that did. */
export class Tally {
  answers = 0;
  bad = 0;
  /** Of the bad ones, whole answers from the response cache. */
  badHits = 0;
  readonly examples: string[] = [];

  /** Counts `answer`; when `bad`, describes it with `why`. */
  count(answer: MarkedAnswer, bad: boolean, why: () => string): void {
    this.answers += 1;
    if (!bad) return;
    this.bad += 1;
    if (answer.responseCache === 'hit') this.badHits += 1;
    if (this.examples.length < 10) {
      this.examples.push(
        `${answer.label} on instance ${answer.instance + 1}: ${why()}, response cache: ${answer.responseCache ?? 'not asked'}`,
      );
    }
  }

  /** The failing count for a table, with how many were whole answers from the response cache. */
  get failing(): string {
    return this.bad > 0 ? `${this.bad} (${this.badHits} of them whole from the response cache)` : '0';
  }
}
