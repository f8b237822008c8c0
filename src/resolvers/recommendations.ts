import type { Factor, LocationType, PersonaId, RecommendInput, Size } from '../modal/contract.ts';

export interface RecommendationArgs {
  persona: PersonaId;
  budget: number;
  locationType: LocationType;
  size?: Size | null;
  commuteTo?: string | number | null;
  maxCommuteMinutes?: number | null;
  weights?: Partial<Record<Factor, number | null>> | null;
  limit?: number | null;
}

/** GraphQL input to the engine's request: nulls dropped, so equal questions make equal loader keys. */
export function toEngineInput(args: RecommendationArgs): RecommendInput {
  const weights = Object.fromEntries(Object.entries(args.weights ?? {}).filter(([, w]) => w != null));
  return {
    persona: args.persona,
    budget: args.budget,
    locationType: args.locationType,
    ...(args.size && args.locationType === 'rent' ? { size: args.size } : {}),
    ...(args.commuteTo != null ? { commuteTo: Number(args.commuteTo) } : {}),
    ...(args.maxCommuteMinutes != null ? { maxCommuteMinutes: args.maxCommuteMinutes } : {}),
    ...(Object.keys(weights).length > 0 ? { weights } : {}),
    ...(args.limit != null ? { limit: args.limit } : {}),
  };
}
