import { gql, type TypedDocumentNode } from '@urql/core';

// The map's documents. The table's is built from the fields ticked (fields.ts); the recommendation form uses
// the typed documents of operations/ (Recommend, RecommendWithExplanations, FindStation).

export interface MapArea {
  id: string;
  code: string;
  name: string;
  population: number | null;
  centroid: { lat: number; lon: number };
  housing: { medianRentAll: number | null; averagePrice: number | null };
  safety: { crimeRatePer1000: number | null } | null;
  schools: { gcse5acPct: number | null } | null;
  transport: { ptal: number | null };
  environment: { greenspacePct: number | null };
}

/** Every borough with its centroid and the figures the map can colour by: about 230 points. */
export const MapAreasDocument: TypedDocumentNode<{ areas: { nodes: MapArea[] } | null }, Record<string, never>> = gql`
  query MapAreas {
    areas(first: 33) {
      nodes {
        id
        code
        name
        population
        centroid { lat lon }
        housing { medianRentAll averagePrice }
        safety { crimeRatePer1000 }
        schools { gcse5acPct }
        transport { ptal }
        environment { greenspacePct }
      }
    }
  }
`;

export interface MapStation {
  id: string;
  code: string;
  name: string;
  lat: number;
  lon: number;
  lines: { id: string; name: string; colour: string | null }[];
}

/** Every tube station (302 in the data) with its lines: about 2,200 points, under MAX_QUERY_COST's 3,000. */
export const TubeDocument: TypedDocumentNode<{ stations: MapStation[] | null }, Record<string, never>> = gql`
  query Tube {
    stations(first: 310) {
      id
      code
      name
      lat
      lon
      lines { id name colour }
    }
  }
`;
