/** What a newcomer sees first in GraphiQL: a dashboard over every borough. */
export const defaultQuery = /* GraphQL */ `# Welcome to veo-bff. Press the run button, then try \`recommendations\` and \`stations\`.
query Dashboard {
  areas(first: 33, orderBy: { field: MEDIAN_RENT, direction: ASC }) {
    totalCount
    nodes {
      code
      name
      housing { medianRentAll averagePrice rent(size: ONE_BED) { median } }
      safety { crimeRatePer1000 rank }
      schools { gcse5acPct }
      transport { ptal stationCount }
    }
  }
}
`;
