/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Why an area was left out of a ranking. An area gets the first that applies of: no price, over budget, no route, commute too long. */
export type ExclusionCode =
  /** The data has no price for the size asked (e.g. no room rents in the City of London). */
  | 'NO_PRICE_DATA'
  /** No tube route to `commuteTo` can be computed from the area. */
  | 'NO_ROUTE'
  /** The price is over the budget: `value` is the price, `limit` the budget (GBP). */
  | 'OVER_BUDGET'
  /** The commute is longer than `maxCommuteMinutes`: `value` is its minutes, `limit` the maximum. */
  | 'OVER_MAX_COMMUTE';

/** What wrote an explanation's text. */
export type ExplanationSource =
  /** A language model, given the area's figures (when the engine has a model configured). */
  | 'LLM'
  /** A template that names the area's figures: used without a model, or when the model fails. */
  | 'TEMPLATE';

/** Where an explanation job is: PENDING while it runs, then READY or FAILED for good. */
export type ExplanationStatus =
  /** The job failed: `error` says why. Requesting the same explanation again starts it again. */
  | 'FAILED'
  /** The job is running: `text` is null. Wait with @defer or `explanationUpdated`, or read it again by `id` or `key`. */
  | 'PENDING'
  /** The job is done: `text` holds the explanation and `source` says what wrote it. */
  | 'READY';

/** A part of the recommendation score, each scored from 0 (worst) to 1 (best) over the boroughs with a figure. */
export type Factor =
  /** How far the price is under the budget: 1 - price / budget. */
  | 'AFFORDABILITY'
  /** Minutes to `commuteTo`: 10 minutes or less scores 1, 90 or more scores 0. Missing without `commuteTo`. */
  | 'COMMUTE'
  /** Share of the area that is green space (2005): the highest scores 1. */
  | 'GREEN_SPACE'
  /** Change of the average price over 5 years (to October 2024): the highest scores 1. */
  | 'PRICE_GROWTH'
  /** Crimes per 1,000 residents (2014/15): the lowest rate scores 1. */
  | 'SAFETY'
  /** Share of pupils with 5+ GCSEs at A*-C (2013/14): the highest share scores 1. */
  | 'SCHOOLS'
  /** Public transport accessibility (PTAL, 2014): the highest scores 1. */
  | 'TRANSPORT';

/** Overrides of the persona's default weights; factors left out keep their default. Refused if every weight ends up 0. */
export type FactorWeightsInput = {
  /** The weight of how far the price is under the budget, 0 to 100 (relative to the others). */
  affordability?: number | null | undefined;
  /** The weight of the minutes to `commuteTo` (counted only when it is given), 0 to 100 (relative to the others). */
  commute?: number | null | undefined;
  /** The weight of the share of green space, 0 to 100 (relative to the others). */
  greenSpace?: number | null | undefined;
  /** The weight of the change of the average price over 5 years, 0 to 100 (relative to the others). */
  priceGrowth?: number | null | undefined;
  /** The weight of a low crime rate, 0 to 100 (relative to the others). */
  safety?: number | null | undefined;
  /** The weight of a high share of good GCSE results, 0 to 100 (relative to the others). */
  schools?: number | null | undefined;
  /** The weight of public transport accessibility (PTAL), 0 to 100 (relative to the others). */
  transport?: number | null | undefined;
};

/** The statistical split of London into Inner and Outer boroughs. */
export type InnerOuter =
  /** An Inner London borough (including the City of London). */
  | 'INNER'
  /** An Outer London borough. */
  | 'OUTER';

/** Whether the home is rented or bought, which decides the price an area is scored and filtered by. */
export type LocationType =
  /** Buying: the price is the average price paid, GBP (UK House Price Index, October 2024); size is ignored. */
  | 'BUY'
  /** Renting: the price is the median rent for the size, GBP per calendar month (VOA, 2018/19). */
  | 'RENT';

/** Who a recommendation is for: each persona has its own default size, location type and factor weights (see `personas`). */
export type PersonaId =
  /** A property developer or investor buying: price growth and entry price lead, transport access follows. */
  | 'DEVELOPER'
  /** A parent renting a family home: schools, safety and green space weigh as much as the rent. */
  | 'PARENT'
  /** A student renting a room on a tight budget: cheap rent and a short commute come first. */
  | 'STUDENT';

/** The VOA rent categories. A room in a shared home is a size of its own, not zero bedrooms. */
export type PropertySize =
  /** A home with four bedrooms or more. */
  | 'FOUR_PLUS_BED'
  /** A home with one bedroom. */
  | 'ONE_BED'
  /** A room in a shared home. */
  | 'ROOM'
  /** A self-contained studio flat. */
  | 'STUDIO'
  /** A home with three bedrooms. */
  | 'THREE_BED'
  /** A home with two bedrooms. */
  | 'TWO_BED';

/** The question a ranking answers: who, renting or buying, at what budget, and optionally commuting where. */
export type RecommendationInput = {
  /** GBP: per calendar month when renting, the purchase price when buying. Above 0, at most 100,000,000. */
  budget: number;
  /** A station's `code` (digits, see `stations`): adds the commute factor and each result's `commute`. */
  commuteTo?: string | number | null | undefined;
  /** The most results to return, 1 to 33; all ranked areas without it. */
  limit?: number | null | undefined;
  /** Renting or buying: which price is compared with the budget. */
  locationType: LocationType;
  /** Leave out areas whose commute to `commuteTo` is longer, 1 to 300 minutes; needs `commuteTo`. */
  maxCommuteMinutes?: number | null | undefined;
  /** Who the ranking is for; sets the default size and weights. */
  persona: PersonaId;
  /** The size to rent; the persona's default size without it. Ignored when buying. */
  size?: PropertySize | null | undefined;
  /** Overrides of the persona's weights, factor by factor. */
  weights?: FactorWeightsInput | null | undefined;
};

export type AreaDetailQueryVariables = Exact<{
  code: string | number;
  to: string | number;
}>;


export type AreaDetailQuery = { __typename: 'Query', area: { __typename: 'Area', id: string, code: string, name: string, population: number | null, centroid: { __typename: 'LatLon', lat: number, lon: number }, housing: { __typename: 'Housing', rentPeriod: string, averagePrice: number | null, averagePriceMonth: string, priceChange1yPct: number | null, rents: Array<{ __typename: 'Rent', size: PropertySize, median: number | null, lowerQuartile: number | null, upperQuartile: number | null, count: number | null }> }, environment: { __typename: 'Environment', greenspacePct: number | null }, transport: { __typename: 'Transport', ptal: number | null, lines: Array<{ __typename: 'Line', id: string, name: string, colour: string | null }> }, safety: { __typename: 'Safety', crimeRatePer1000: number | null, rank: number | null } | null, schools: { __typename: 'Schools', gcse5acPct: number | null, rank: number | null } | null, commute: { __typename: 'Commute', minutes: number, changes: number, legs: Array<{ __typename: 'CommuteLeg', stops: number, minutes: number, line: { __typename: 'Line', id: string, name: string, colour: string | null }, from: { __typename: 'Station', id: string, name: string } | null, to: { __typename: 'Station', id: string, name: string } | null }> } | null } | null };

export type DashboardQueryVariables = Exact<{
  first?: number | null | undefined;
  size?: PropertySize | null | undefined;
}>;


export type DashboardQuery = { __typename: 'Query', areas: { __typename: 'AreaConnection', totalCount: number, nodes: Array<{ __typename: 'Area', id: string, code: string, name: string, innerOuter: InnerOuter, housing: { __typename: 'Housing', medianRentAll: number | null, averagePrice: number | null, priceChange5yPct: number | null, rent: { __typename: 'Rent', median: number | null } | null }, safety: { __typename: 'Safety', crimeRatePer1000: number | null, rank: number | null } | null, schools: { __typename: 'Schools', gcse5acPct: number | null } | null, transport: { __typename: 'Transport', ptal: number | null, stationCount: number } }> } | null };

export type ExplanationQueryVariables = Exact<{
  id: string | number;
}>;


export type ExplanationQuery = { __typename: 'Query', explanation: { __typename: 'Explanation', id: string, key: string, status: ExplanationStatus, text: string | null, source: ExplanationSource | null, error: string | null } | null };

export type FindStationQueryVariables = Exact<{
  search: string;
}>;


export type FindStationQuery = { __typename: 'Query', stations: Array<{ __typename: 'Station', id: string, code: string, name: string, zone: number, lines: Array<{ __typename: 'Line', id: string, name: string, colour: string | null }> }> | null };

export type RecommendWithExplanationsQueryVariables = Exact<{
  input: RecommendationInput;
}>;


export type RecommendWithExplanationsQuery = { __typename: 'Query', recommendations: { __typename: 'RecommendationResult', total: number, results: Array<{ __typename: 'Recommendation', rank: number, score: number, area: { __typename: 'Area', id: string, code: string, name: string } | null } & ({ __typename: 'Recommendation' } | { __typename: 'Recommendation' }) & ({ explanation: { __typename: 'Explanation', id: string, key: string, status: ExplanationStatus, text: string | null, source: ExplanationSource | null } | null } | { explanation?: never })> } | null };

export type RecommendQueryVariables = Exact<{
  input: RecommendationInput;
}>;


export type RecommendQuery = { __typename: 'Query', recommendations: { __typename: 'RecommendationResult', total: number, size: PropertySize | null, weights: { __typename: 'FactorWeights', affordability: number, commute: number, safety: number, schools: number, transport: number, greenSpace: number, priceGrowth: number }, results: Array<{ __typename: 'Recommendation', rank: number, score: number, price: number, commute: { __typename: 'CommuteSummary', minutes: number, changes: number } | null, area: { __typename: 'Area', id: string, code: string, name: string } | null, breakdown: Array<{ __typename: 'ScoreFactor', factor: Factor, weight: number, rawValue: number | null, unit: string, score: number | null, contribution: number, missing: boolean }> }>, excluded: Array<{ __typename: 'ExcludedArea', area: { __typename: 'Area', id: string, code: string, name: string } | null, reason: { __typename: 'ExclusionReason', code: ExclusionCode, message: string, value: number | null, limit: number | null } }> } | null };


export const AreaDetailDocument = {"__meta__":{"hash":"sha256:7300b109bf0c75953634010a21718c5e629cafaaebacf247f88c7d5943f2ac2d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AreaDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"code"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"area"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"code"},"value":{"kind":"Variable","name":{"kind":"Name","value":"code"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"population"}},{"kind":"Field","name":{"kind":"Name","value":"centroid"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"lat"}},{"kind":"Field","name":{"kind":"Name","value":"lon"}}]}},{"kind":"Field","name":{"kind":"Name","value":"housing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"rentPeriod"}},{"kind":"Field","name":{"kind":"Name","value":"rents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"median"}},{"kind":"Field","name":{"kind":"Name","value":"lowerQuartile"}},{"kind":"Field","name":{"kind":"Name","value":"upperQuartile"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"averagePrice"}},{"kind":"Field","name":{"kind":"Name","value":"averagePriceMonth"}},{"kind":"Field","name":{"kind":"Name","value":"priceChange1yPct"}}]}},{"kind":"Field","name":{"kind":"Name","value":"environment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"greenspacePct"}}]}},{"kind":"Field","name":{"kind":"Name","value":"transport"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"ptal"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"colour"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"safety"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"crimeRatePer1000"}},{"kind":"Field","name":{"kind":"Name","value":"rank"}}]}},{"kind":"Field","name":{"kind":"Name","value":"schools"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"gcse5acPct"}},{"kind":"Field","name":{"kind":"Name","value":"rank"}}]}},{"kind":"Field","name":{"kind":"Name","value":"commute"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"minutes"}},{"kind":"Field","name":{"kind":"Name","value":"changes"}},{"kind":"Field","name":{"kind":"Name","value":"legs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"line"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"colour"}}]}},{"kind":"Field","name":{"kind":"Name","value":"from"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"to"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"stops"}},{"kind":"Field","name":{"kind":"Name","value":"minutes"}}]}}]}}]}}]}}]} as unknown as DocumentNode<AreaDetailQuery, AreaDetailQueryVariables>;
export const DashboardDocument = {"__meta__":{"hash":"sha256:cd10ac4ead4a7f6d5c93b5ec7796a8a1047e54cd648d8ececb3fb5f6af95d48e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Dashboard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"33"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"size"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PropertySize"}},"defaultValue":{"kind":"EnumValue","value":"ONE_BED"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"areas"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"MEDIAN_RENT"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"ASC"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"innerOuter"}},{"kind":"Field","name":{"kind":"Name","value":"housing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"medianRentAll"}},{"kind":"Field","name":{"kind":"Name","value":"averagePrice"}},{"kind":"Field","name":{"kind":"Name","value":"priceChange5yPct"}},{"kind":"Field","name":{"kind":"Name","value":"rent"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"size"},"value":{"kind":"Variable","name":{"kind":"Name","value":"size"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"median"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"safety"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"crimeRatePer1000"}},{"kind":"Field","name":{"kind":"Name","value":"rank"}}]}},{"kind":"Field","name":{"kind":"Name","value":"schools"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"gcse5acPct"}}]}},{"kind":"Field","name":{"kind":"Name","value":"transport"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"ptal"}},{"kind":"Field","name":{"kind":"Name","value":"stationCount"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardQuery, DashboardQueryVariables>;
export const ExplanationDocument = {"__meta__":{"hash":"sha256:9bae6d9d7fbcd6f5b057541b21df014936f84d868d95c5e3a0d87352e90c1545"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Explanation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"explanation"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]} as unknown as DocumentNode<ExplanationQuery, ExplanationQueryVariables>;
export const FindStationDocument = {"__meta__":{"hash":"sha256:05cbe21c56d2aed5a1360785cfe42856ebd64969db76cb6f14eeac87168fe6c7"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FindStation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"stations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"zone"}},{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"colour"}}]}}]}}]}}]} as unknown as DocumentNode<FindStationQuery, FindStationQueryVariables>;
export const RecommendWithExplanationsDocument = {"__meta__":{"hash":"sha256:2237b67aaf833f16cfd29997d266b1cf253bdaec46f6381961478b570fd2d768"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RecommendWithExplanations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecommendationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"recommendations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"results"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"area"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"InlineFragment","directives":[{"kind":"Directive","name":{"kind":"Name","value":"defer"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"explanation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"source"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<RecommendWithExplanationsQuery, RecommendWithExplanationsQueryVariables>;
export const RecommendDocument = {"__meta__":{"hash":"sha256:eb26c01b5998ea47d2331e8d99a4c7ece8a214dbe1e19ae053a93f722a74f058"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Recommend"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecommendationInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"recommendations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"weights"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"affordability"}},{"kind":"Field","name":{"kind":"Name","value":"commute"}},{"kind":"Field","name":{"kind":"Name","value":"safety"}},{"kind":"Field","name":{"kind":"Name","value":"schools"}},{"kind":"Field","name":{"kind":"Name","value":"transport"}},{"kind":"Field","name":{"kind":"Name","value":"greenSpace"}},{"kind":"Field","name":{"kind":"Name","value":"priceGrowth"}}]}},{"kind":"Field","name":{"kind":"Name","value":"results"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"commute"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"minutes"}},{"kind":"Field","name":{"kind":"Name","value":"changes"}}]}},{"kind":"Field","name":{"kind":"Name","value":"area"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"breakdown"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"factor"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"rawValue"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"contribution"}},{"kind":"Field","name":{"kind":"Name","value":"missing"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"excluded"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"area"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reason"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RecommendQuery, RecommendQueryVariables>;