/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query AreaDetail($code: ID!, $to: ID!) {\n  area(code: $code) {\n    id\n    code\n    name\n    population\n    centroid {\n      lat\n      lon\n    }\n    housing {\n      rentPeriod\n      rents {\n        size\n        median\n        lowerQuartile\n        upperQuartile\n        count\n      }\n      averagePrice\n      averagePriceMonth\n      priceChange1yPct\n    }\n    environment {\n      greenspacePct\n    }\n    transport {\n      ptal\n      lines {\n        id\n        name\n        colour\n      }\n    }\n    safety {\n      crimeRatePer1000\n      rank\n    }\n    schools {\n      gcse5acPct\n      rank\n    }\n    commute(to: $to) {\n      minutes\n      changes\n      legs {\n        line {\n          id\n          name\n          colour\n        }\n        from {\n          id\n          name\n        }\n        to {\n          id\n          name\n        }\n        stops\n        minutes\n      }\n    }\n  }\n}": typeof types.AreaDetailDocument,
    "query Dashboard($first: Int = 33, $size: PropertySize = ONE_BED) {\n  areas(first: $first, orderBy: {field: MEDIAN_RENT, direction: ASC}) {\n    totalCount\n    nodes {\n      id\n      code\n      name\n      innerOuter\n      housing {\n        medianRentAll\n        averagePrice\n        priceChange5yPct\n        rent(size: $size) {\n          median\n        }\n      }\n      safety {\n        crimeRatePer1000\n        rank\n      }\n      schools {\n        gcse5acPct\n      }\n      transport {\n        ptal\n        stationCount\n      }\n    }\n  }\n}": typeof types.DashboardDocument,
    "query Explanation($id: ID!) {\n  explanation(id: $id) {\n    id\n    key\n    status\n    text\n    source\n    error\n  }\n}": typeof types.ExplanationDocument,
    "query FindStation($search: String!) {\n  stations(search: $search, first: 10) {\n    id\n    code\n    name\n    zone\n    lines {\n      id\n      name\n      colour\n    }\n  }\n}": typeof types.FindStationDocument,
    "query RecommendWithExplanations($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    results {\n      rank\n      score\n      area {\n        id\n        code\n        name\n      }\n      ... @defer {\n        explanation {\n          id\n          key\n          status\n          text\n          source\n        }\n      }\n    }\n  }\n}": typeof types.RecommendWithExplanationsDocument,
    "query Recommend($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    size\n    weights {\n      affordability\n      commute\n      safety\n      schools\n      transport\n      greenSpace\n      priceGrowth\n    }\n    results {\n      rank\n      score\n      price\n      commute {\n        minutes\n        changes\n      }\n      area {\n        id\n        code\n        name\n      }\n      breakdown {\n        factor\n        weight\n        rawValue\n        unit\n        score\n        contribution\n        missing\n      }\n    }\n    excluded {\n      area {\n        id\n        code\n        name\n      }\n      reason {\n        code\n        message\n        value\n        limit\n      }\n    }\n  }\n}": typeof types.RecommendDocument,
};
const documents: Documents = {
    "query AreaDetail($code: ID!, $to: ID!) {\n  area(code: $code) {\n    id\n    code\n    name\n    population\n    centroid {\n      lat\n      lon\n    }\n    housing {\n      rentPeriod\n      rents {\n        size\n        median\n        lowerQuartile\n        upperQuartile\n        count\n      }\n      averagePrice\n      averagePriceMonth\n      priceChange1yPct\n    }\n    environment {\n      greenspacePct\n    }\n    transport {\n      ptal\n      lines {\n        id\n        name\n        colour\n      }\n    }\n    safety {\n      crimeRatePer1000\n      rank\n    }\n    schools {\n      gcse5acPct\n      rank\n    }\n    commute(to: $to) {\n      minutes\n      changes\n      legs {\n        line {\n          id\n          name\n          colour\n        }\n        from {\n          id\n          name\n        }\n        to {\n          id\n          name\n        }\n        stops\n        minutes\n      }\n    }\n  }\n}": types.AreaDetailDocument,
    "query Dashboard($first: Int = 33, $size: PropertySize = ONE_BED) {\n  areas(first: $first, orderBy: {field: MEDIAN_RENT, direction: ASC}) {\n    totalCount\n    nodes {\n      id\n      code\n      name\n      innerOuter\n      housing {\n        medianRentAll\n        averagePrice\n        priceChange5yPct\n        rent(size: $size) {\n          median\n        }\n      }\n      safety {\n        crimeRatePer1000\n        rank\n      }\n      schools {\n        gcse5acPct\n      }\n      transport {\n        ptal\n        stationCount\n      }\n    }\n  }\n}": types.DashboardDocument,
    "query Explanation($id: ID!) {\n  explanation(id: $id) {\n    id\n    key\n    status\n    text\n    source\n    error\n  }\n}": types.ExplanationDocument,
    "query FindStation($search: String!) {\n  stations(search: $search, first: 10) {\n    id\n    code\n    name\n    zone\n    lines {\n      id\n      name\n      colour\n    }\n  }\n}": types.FindStationDocument,
    "query RecommendWithExplanations($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    results {\n      rank\n      score\n      area {\n        id\n        code\n        name\n      }\n      ... @defer {\n        explanation {\n          id\n          key\n          status\n          text\n          source\n        }\n      }\n    }\n  }\n}": types.RecommendWithExplanationsDocument,
    "query Recommend($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    size\n    weights {\n      affordability\n      commute\n      safety\n      schools\n      transport\n      greenSpace\n      priceGrowth\n    }\n    results {\n      rank\n      score\n      price\n      commute {\n        minutes\n        changes\n      }\n      area {\n        id\n        code\n        name\n      }\n      breakdown {\n        factor\n        weight\n        rawValue\n        unit\n        score\n        contribution\n        missing\n      }\n    }\n    excluded {\n      area {\n        id\n        code\n        name\n      }\n      reason {\n        code\n        message\n        value\n        limit\n      }\n    }\n  }\n}": types.RecommendDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AreaDetail($code: ID!, $to: ID!) {\n  area(code: $code) {\n    id\n    code\n    name\n    population\n    centroid {\n      lat\n      lon\n    }\n    housing {\n      rentPeriod\n      rents {\n        size\n        median\n        lowerQuartile\n        upperQuartile\n        count\n      }\n      averagePrice\n      averagePriceMonth\n      priceChange1yPct\n    }\n    environment {\n      greenspacePct\n    }\n    transport {\n      ptal\n      lines {\n        id\n        name\n        colour\n      }\n    }\n    safety {\n      crimeRatePer1000\n      rank\n    }\n    schools {\n      gcse5acPct\n      rank\n    }\n    commute(to: $to) {\n      minutes\n      changes\n      legs {\n        line {\n          id\n          name\n          colour\n        }\n        from {\n          id\n          name\n        }\n        to {\n          id\n          name\n        }\n        stops\n        minutes\n      }\n    }\n  }\n}"): (typeof documents)["query AreaDetail($code: ID!, $to: ID!) {\n  area(code: $code) {\n    id\n    code\n    name\n    population\n    centroid {\n      lat\n      lon\n    }\n    housing {\n      rentPeriod\n      rents {\n        size\n        median\n        lowerQuartile\n        upperQuartile\n        count\n      }\n      averagePrice\n      averagePriceMonth\n      priceChange1yPct\n    }\n    environment {\n      greenspacePct\n    }\n    transport {\n      ptal\n      lines {\n        id\n        name\n        colour\n      }\n    }\n    safety {\n      crimeRatePer1000\n      rank\n    }\n    schools {\n      gcse5acPct\n      rank\n    }\n    commute(to: $to) {\n      minutes\n      changes\n      legs {\n        line {\n          id\n          name\n          colour\n        }\n        from {\n          id\n          name\n        }\n        to {\n          id\n          name\n        }\n        stops\n        minutes\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Dashboard($first: Int = 33, $size: PropertySize = ONE_BED) {\n  areas(first: $first, orderBy: {field: MEDIAN_RENT, direction: ASC}) {\n    totalCount\n    nodes {\n      id\n      code\n      name\n      innerOuter\n      housing {\n        medianRentAll\n        averagePrice\n        priceChange5yPct\n        rent(size: $size) {\n          median\n        }\n      }\n      safety {\n        crimeRatePer1000\n        rank\n      }\n      schools {\n        gcse5acPct\n      }\n      transport {\n        ptal\n        stationCount\n      }\n    }\n  }\n}"): (typeof documents)["query Dashboard($first: Int = 33, $size: PropertySize = ONE_BED) {\n  areas(first: $first, orderBy: {field: MEDIAN_RENT, direction: ASC}) {\n    totalCount\n    nodes {\n      id\n      code\n      name\n      innerOuter\n      housing {\n        medianRentAll\n        averagePrice\n        priceChange5yPct\n        rent(size: $size) {\n          median\n        }\n      }\n      safety {\n        crimeRatePer1000\n        rank\n      }\n      schools {\n        gcse5acPct\n      }\n      transport {\n        ptal\n        stationCount\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Explanation($id: ID!) {\n  explanation(id: $id) {\n    id\n    key\n    status\n    text\n    source\n    error\n  }\n}"): (typeof documents)["query Explanation($id: ID!) {\n  explanation(id: $id) {\n    id\n    key\n    status\n    text\n    source\n    error\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query FindStation($search: String!) {\n  stations(search: $search, first: 10) {\n    id\n    code\n    name\n    zone\n    lines {\n      id\n      name\n      colour\n    }\n  }\n}"): (typeof documents)["query FindStation($search: String!) {\n  stations(search: $search, first: 10) {\n    id\n    code\n    name\n    zone\n    lines {\n      id\n      name\n      colour\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RecommendWithExplanations($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    results {\n      rank\n      score\n      area {\n        id\n        code\n        name\n      }\n      ... @defer {\n        explanation {\n          id\n          key\n          status\n          text\n          source\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query RecommendWithExplanations($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    results {\n      rank\n      score\n      area {\n        id\n        code\n        name\n      }\n      ... @defer {\n        explanation {\n          id\n          key\n          status\n          text\n          source\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Recommend($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    size\n    weights {\n      affordability\n      commute\n      safety\n      schools\n      transport\n      greenSpace\n      priceGrowth\n    }\n    results {\n      rank\n      score\n      price\n      commute {\n        minutes\n        changes\n      }\n      area {\n        id\n        code\n        name\n      }\n      breakdown {\n        factor\n        weight\n        rawValue\n        unit\n        score\n        contribution\n        missing\n      }\n    }\n    excluded {\n      area {\n        id\n        code\n        name\n      }\n      reason {\n        code\n        message\n        value\n        limit\n      }\n    }\n  }\n}"): (typeof documents)["query Recommend($input: RecommendationInput!) {\n  recommendations(input: $input) {\n    total\n    size\n    weights {\n      affordability\n      commute\n      safety\n      schools\n      transport\n      greenSpace\n      priceGrowth\n    }\n    results {\n      rank\n      score\n      price\n      commute {\n        minutes\n        changes\n      }\n      area {\n        id\n        code\n        name\n      }\n      breakdown {\n        factor\n        weight\n        rawValue\n        unit\n        score\n        contribution\n        missing\n      }\n    }\n    excluded {\n      area {\n        id\n        code\n        name\n      }\n      reason {\n        code\n        message\n        value\n        limit\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;