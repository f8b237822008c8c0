import { z } from 'zod';
import type { Area, Job, Station } from '../modal/contract.ts';
import { builder } from './builder.ts';

// Refs of the types that point at each other (Area <-> Station <-> Commute), declared apart from their
// fields so that the type files do not import each other in a circle.
export const AreaRef = builder.objectRef<Area>('Area');
export const StationRef = builder.objectRef<Station>('Station');
export const ExplanationRef = builder.objectRef<Job>('Explanation');

/** A station code argument: digits only, so a typo answers BAD_USER_INPUT instead of reaching the engine. */
export const stationCode = z.string().regex(/^\d{1,6}$/, 'must be a station code (digits, see `Station.code`)');
export const areaCode = z.string().regex(/^E09\d{6}$/, 'must be an ONS borough code such as E09000007');
