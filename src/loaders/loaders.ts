import DataLoader from 'dataloader';
import type { Engine } from '../modal/engine.ts';
import type { Area, Commute, Crime, Job, RecommendInput, RecommendResult, Schools, Station } from '../modal/contract.ts';
import { canonicalJson } from './canonical.ts';

export interface CommuteKey {
  from: string;
  to: number;
}

/**
 * The loaders of ONE request. Each kind sends at most one engine call per tick of the event loop, with
 * every distinct key the query touched, and each key is asked once however often it appears.
 */
export function createLoaders(engine: Engine) {
  const area = new DataLoader<string, Area | null>(async (codes) => (await engine.areas(codes)).areas);

  return {
    area,
    /** Every area in one call; primes `area` so later lookups by code cost nothing. */
    allAreas: singleton(async () => {
      const { areas } = await engine.areas();
      const present = areas.filter((a): a is Area => a !== null);
      for (const a of present) area.prime(a.code, a);
      return present;
    }),
    crime: new DataLoader<string, Crime | null>(async (codes) => (await engine.crime(codes)).crime),
    schools: new DataLoader<string, Schools | null>(async (codes) => (await engine.schools(codes)).schools),
    commute: new DataLoader<CommuteKey, Commute | null, string>(
      async (pairs) => (await engine.commute(pairs)).commutes,
      { cacheKeyFn: (key) => `${key.from}>${key.to}` },
    ),
    station: new DataLoader<number, Station | null>(async (ids) => (await engine.stations({ ids })).stations),
    explanationStatus: new DataLoader<string, Job | null>(
      async (ids) => (await engine.explanationStatus(ids)).jobs,
    ),
    // The engine ranks one question per call; the loader still asks each distinct question once.
    recommendation: new DataLoader<RecommendInput, RecommendResult, string>(
      (inputs) => Promise.all(inputs.map((input) => engine.recommend(input).catch((error: Error) => error))),
      { cacheKeyFn: canonicalJson },
    ),
    personas: singleton(async () => (await engine.personas()).personas),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** A value loaded at most once per request. */
function singleton<T>(load: () => Promise<T>): { load(): Promise<T> } {
  let pending: Promise<T> | undefined;
  return { load: () => (pending ??= load()) };
}
