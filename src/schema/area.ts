import type { Area, Commute, Crime, Schools } from '../modal/contract.ts';
import * as resolvers from '../resolvers/areas.ts';
import { stationList } from '../resolvers/stations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { InnerOuterEnum, OrderDirectionEnum, PropertySizeEnum } from './enums.ts';
import { NodeRef, nodeId } from './node.ts';
import { AreaRef, areaCode, StationRef, stationCode } from './refs.ts';
import { LineRef } from './station.ts';

type Rent = Area['housing']['rents'][number];

const LatLon = builder.objectRef<{ lat: number; lon: number }>('LatLon').implement({
  description: 'A point on the map in WGS84 degrees, as GPS and web maps use them.',
  fields: (t) => ({
    lat: t.exposeFloat('lat', { description: 'Latitude in degrees north.' }),
    lon: t.exposeFloat('lon', { description: 'Longitude in degrees east (negative west of Greenwich).' }),
  }),
});

const RentRef = builder.objectRef<Rent>('Rent').implement({
  description:
    'Private rents for one size in GBP per calendar month, from the Valuation Office Agency (VOA) for the 12 months April 2018 to March 2019, the last release of that series: well below rents asked today. Each figure is null where the VOA suppressed it (too few rents), e.g. rooms in the City of London and Richmond.',
  fields: (t) => ({
    size: t.expose('size', { type: PropertySizeEnum, description: 'The size these rents are for.' }),
    median: t.exposeInt('median', { nullable: true, description: 'Median rent, GBP per calendar month; null where suppressed.' }),
    mean: t.exposeInt('mean', { nullable: true, description: 'Mean rent, GBP per calendar month; null where suppressed.' }),
    lowerQuartile: t.exposeInt('lowerQuartile', {
      nullable: true,
      description: 'A quarter of rents are at or below this, GBP per calendar month; null where suppressed.',
    }),
    upperQuartile: t.exposeInt('upperQuartile', {
      nullable: true,
      description: 'A quarter of rents are at or above this, GBP per calendar month; null where suppressed.',
    }),
    count: t.exposeInt('count', {
      nullable: true,
      description: "Rents in the VOA's sample for this size (the City of London has 0 for rooms); null where not published.",
    }),
  }),
});

const Housing = builder.objectRef<Area['housing']>('Housing').implement({
  description:
    "A borough's rents (VOA, 2018/19), purchase prices (HM Land Registry UK House Price Index, to October 2024) and tenure (GLA, 2014). Money is in GBP.",
  fields: (t) => ({
    rentPeriod: t.exposeString('rentPeriod', {
      description: 'The 12 months the rents cover, as `2018-04_to_2019-03` (April 2018 to March 2019).',
    }),
    rents: t.field({
      type: [RentRef],
      description: 'The rents of all six sizes, one entry per size in size order (ROOM first).',
      extensions: cost({ listSize: { assumedSize: 6 } }),
      resolve: (h) => h.rents,
    }),
    rent: t.field({
      type: RentRef,
      nullable: true,
      description: 'The rents of one size (its figures are null where suppressed); null only if the data had no entry for the size.',
      args: { size: t.arg({ type: PropertySizeEnum, required: true, description: 'The size whose rents to give.' }) },
      resolve: (h, args) => resolvers.rentFor(h, args.size),
    }),
    medianRentAll: t.exposeInt('medianRentAll', {
      nullable: true,
      description: 'Median private rent over all sizes, GBP per calendar month (VOA, April 2018 to March 2019); null where suppressed.',
    }),
    averagePrice: t.exposeInt('averagePrice', {
      nullable: true,
      description:
        'Average price paid for a home in `averagePriceMonth`, GBP (HM Land Registry UK House Price Index, a mix-adjusted average rather than a median; the latest months are provisional). Null where not published.',
    }),
    averagePriceMonth: t.exposeString('averagePriceMonth', { description: 'The month `averagePrice` is for, as YYYY-MM (`2024-10`).' }),
    priceChange1yPct: t.exposeFloat('priceChange1yPct', {
      nullable: true,
      description: 'Change of the average price over the 12 months to `averagePriceMonth`, in percent (-18.0 is a fall of 18%).',
    }),
    priceChange5yPct: t.exposeFloat('priceChange5yPct', {
      nullable: true,
      description: 'Change of the average price over the 5 years to `averagePriceMonth`, in percent.',
    }),
    medianHousePrice2015: t.exposeInt('medianHousePrice2015', {
      nullable: true,
      description: 'Median price paid in 2015, GBP (GLA London Borough Profiles); not comparable with `averagePrice`.',
    }),
    privateRentPct: t.exposeFloat('privateRentPct', {
      nullable: true,
      description: 'Share of households renting privately in 2014, in percent (GLA London Borough Profiles).',
    }),
    ownedPct: t.exposeFloat('ownedPct', {
      nullable: true,
      description: 'Share of households owning their home outright or with a mortgage in 2014, in percent (GLA).',
    }),
  }),
});

const Environment = builder.objectRef<Area['environment']>('Environment').implement({
  description:
    "A borough's green space, emissions and travel habits (GLA London Borough Profiles; each figure's year is given). Null where not published.",
  fields: (t) => ({
    greenspacePct: t.exposeFloat('greenspacePct', {
      nullable: true,
      description: "Share of the borough's area that is green space in 2005, in percent.",
    }),
    carbonEmissionsKt: t.exposeFloat('carbonEmissionsKt', {
      nullable: true,
      description: 'Carbon dioxide emitted in the borough in 2014, in kilotonnes.',
    }),
    recyclingRatePct: t.exposeFloat('recyclingRatePct', {
      nullable: true,
      description: 'Share of household waste recycled or composted in 2014/15, in percent.',
    }),
    carsPerHousehold: t.exposeFloat('carsPerHousehold', { nullable: true, description: 'Cars or vans per household at the 2011 Census.' }),
    cyclingPct: t.exposeFloat('cyclingPct', {
      nullable: true,
      description: 'Share of adults cycling at least once a month in 2014/15, in percent.',
    }),
  }),
});

const NearestStation = builder.objectRef<Area['transport']['nearestStation']>('NearestStation').implement({
  description: "The tube station nearest the borough's centroid, in any borough: where a commute from a borough without a station starts.",
  fields: (t) => ({
    distanceKm: t.exposeFloat('distanceKm', { description: 'Straight-line distance from the centroid, in kilometres (2 decimals).' }),
    station: t.field({
      type: StationRef,
      nullable: true,
      description: 'The station itself; null when the engine could not be asked (see the error at this path).',
      resolve: (n, _a, ctx) => ctx.loaders.station.load(n.id),
    }),
  }),
});

const Transport = builder.objectRef<Area['transport']>('Transport').implement({
  description:
    "A borough's public transport: its accessibility score (GLA, 2014) and its tube stations and lines in the tube data (the network as it stood around 2005: no Elizabeth line, Overground or trams).",
  fields: (t) => ({
    ptal: t.exposeFloat('ptal', {
      nullable: true,
      description: 'Average public transport accessibility level (PTAL) in 2014, from 0 (worst) to 8 (best); null where not published.',
    }),
    stationCount: t.exposeInt('stationCount', {
      description: 'Tube stations inside the borough; 0 for Bexley, Bromley, Croydon, Kingston and Sutton.',
    }),
    stations: t.field({
      type: [StationRef],
      description: 'The tube stations inside the borough, by name (at most 30, in Westminster).',
      // Sizes are the data's maxima, so a price is an upper bound: Westminster has 30 stations.
      extensions: cost({ listSize: { assumedSize: 30 } }),
      resolve: (tr, _a, ctx) =>
        stationList(
          ctx,
          tr.stations.map((s) => s.id),
        ),
    }),
    lines: t.field({
      type: [LineRef],
      description: "The lines calling at the borough's stations, by name (at most 10).",
      extensions: cost({ listSize: { assumedSize: 10 } }),
      resolve: (tr) => tr.lines,
    }),
    nearestStation: t.field({
      type: NearestStation,
      description: "The station nearest the borough's centroid, which may be in another borough.",
      resolve: (tr) => tr.nearestStation,
    }),
  }),
});

const Safety = builder.objectRef<Crime>('Safety').implement({
  description: "A borough's recorded crime (2014/15), fires and ambulance incidents (2014), from the GLA London Borough Profiles.",
  fields: (t) => ({
    period: t.exposeString('period', { description: 'The financial year of the crime figures, as `2014/15`.' }),
    crimeRatePer1000: t.exposeFloat('ratePer1000', {
      nullable: true,
      description: 'Offences recorded in 2014/15 per 1,000 residents; null where not published.',
    }),
    rank: t.exposeInt('rank', {
      nullable: true,
      description:
        'Rank of `crimeRatePer1000` among the boroughs with a figure: 1 is the lowest rate (the safest); equal rates share a rank.',
    }),
    firesPer1000: t.exposeFloat('firesPer1000', { nullable: true, description: 'Fires attended in 2014 per 1,000 residents.' }),
    ambulanceIncidentsPer100: t.exposeFloat('ambulancePer100', {
      nullable: true,
      description: 'Ambulance incidents in 2014 per 100 residents.',
    }),
  }),
});

const SchoolsRef = builder.objectRef<Schools>('Schools').implement({
  description:
    "A borough's GCSE results (2013/14, the pre-2017 A*-C grading) and pupils' languages (2015), from the GLA London Borough Profiles.",
  fields: (t) => ({
    period: t.exposeString('period', { description: 'The school year of the GCSE results, as `2013/14`.' }),
    gcse5acPct: t.exposeFloat('gcse5acPct', {
      nullable: true,
      description: 'Share of pupils with 5 or more GCSEs at A*-C including English and Maths, in percent; null where not published.',
    }),
    rank: t.exposeInt('rank', {
      nullable: true,
      description: 'Rank of `gcse5acPct` among the boroughs with a figure: 1 is the highest share; equal shares share a rank.',
    }),
    pupilsFirstLanguageNotEnglishPct: t.exposeFloat('pupilsFirstLanguageNotEnglishPct', {
      nullable: true,
      description: 'Share of pupils whose first language is not English in 2015, in percent.',
    }),
  }),
});

const CommuteLeg = builder.objectRef<Commute['legs'][number]>('CommuteLeg').implement({
  description: 'One ride on one line, from the station where it is boarded to the one where it is left.',
  fields: (t) => ({
    line: t.field({ type: LineRef, description: 'The line ridden on this leg.', resolve: (leg) => leg.line }),
    from: t.field({
      type: StationRef,
      nullable: true,
      description: 'The station where the leg starts; null when the engine could not be asked.',
      resolve: (leg, _a, ctx) => ctx.loaders.station.load(leg.from.id),
    }),
    to: t.field({
      type: StationRef,
      nullable: true,
      description: 'The station where the leg ends; null when the engine could not be asked.',
      resolve: (leg, _a, ctx) => ctx.loaders.station.load(leg.to.id),
    }),
    stops: t.exposeInt('stops', {
      description: 'Stations the train stops at on this leg after boarding, the one where it is left included.',
    }),
    minutes: t.exposeInt('minutes', { description: 'Riding time of the leg in minutes, from the tube data.' }),
  }),
});

const CommuteRef = builder.objectRef<Commute>('Commute').implement({
  description:
    'The fastest tube route from a borough to a station, over the tube data (the network around 2005; no walking or interchange times beyond the 5 minutes counted per change). From a borough with stations it starts at the best of them; from one without, at the station nearest its centroid after an estimated bus leg.',
  fields: (t) => ({
    minutes: t.exposeInt('minutes', { description: 'Door-to-station time in minutes: `accessMinutes` + `rideMinutes` + 5 per change.' }),
    rideMinutes: t.exposeInt('rideMinutes', { description: 'Minutes spent riding trains, the sum of the legs.' }),
    accessMinutes: t.exposeInt('accessMinutes', {
      description:
        'Estimated minutes by bus to the first station (5 minutes of waiting, then 15 km/h along 1.3 times the straight line); 0 when the borough has stations.',
    }),
    changes: t.exposeInt('changes', { description: 'Times the route changes line; each adds 5 minutes.' }),
    from: t.field({
      type: AreaRef,
      nullable: true,
      description: 'The borough the route starts from; null when the engine could not be asked.',
      resolve: (c, _a, ctx) => ctx.loaders.area.load(c.from),
    }),
    to: t.field({
      type: StationRef,
      nullable: true,
      description: 'The destination station; null when the engine could not be asked.',
      resolve: (c, _a, ctx) => ctx.loaders.station.load(c.to),
    }),
    originStation: t.field({
      type: StationRef,
      nullable: true,
      description: 'The station the ride starts at; null when the engine could not be asked.',
      resolve: (c, _a, ctx) => ctx.loaders.station.load(c.originStation.id),
    }),
    stations: t.field({
      type: [StationRef],
      description: 'Every station on the route in travel order, the origin first and the destination last (at most 43).',
      // The longest route from an area to a station passes 43 stations; none has more than 4 legs.
      extensions: cost({ listSize: { assumedSize: 43 } }),
      resolve: (c, _a, ctx) =>
        stationList(
          ctx,
          c.stations.map((s) => s.id),
        ),
    }),
    lines: t.field({
      type: [LineRef],
      description: 'The line of each leg, in travel order (at most 5).',
      extensions: cost({ listSize: { assumedSize: 5 } }),
      resolve: (c) => c.lines,
    }),
    legs: t.field({
      type: [CommuteLeg],
      description: 'The route leg by leg, one per line ridden, in travel order (at most 5).',
      extensions: cost({ listSize: { assumedSize: 5 } }),
      resolve: (c) => c.legs,
    }),
  }),
});

AreaRef.implement({
  description:
    "One of the 33 London boroughs (the City of London included). Figures are 2005 to 2024, each with its year: compare boroughs with them rather than read them as today's values. Each group of fields (`safety`, `schools`, `commute`) is fetched by its own loader, so a query pays only for what it selects.",
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({ description: "The borough's global id, for `node(id:)` (see `Node`).", resolve: (a) => nodeId('Area', a.code) }),
    code: t.exposeID('code', { description: 'The ONS borough code, E09000001 (City of London) to E09000033 (Westminster).' }),
    name: t.exposeString('name', { description: "The borough's name, e.g. `Kensington and Chelsea`." }),
    innerOuter: t.expose('innerOuter', { type: InnerOuterEnum, description: 'Whether it is an Inner or an Outer London borough.' }),
    centroid: t.field({
      type: LatLon,
      description:
        "The geometric centre of the borough's outline (not weighted by population: in large outer boroughs it can fall away from the town centre).",
      resolve: (a) => a.centroid,
    }),
    population: t.exposeInt('population', { nullable: true, description: 'Residents in 2017 (GLA estimate); null where not published.' }),
    households: t.exposeInt('households', { nullable: true, description: 'Households in 2017 (GLA estimate); null where not published.' }),
    areaHectares: t.exposeInt('areaHectares', { nullable: true, description: 'Inland area in hectares (100 hectares = 1 km²).' }),
    densityPerHectare: t.exposeFloat('densityPerHectare', {
      nullable: true,
      description: 'Residents per hectare in 2017 (GLA estimate).',
    }),
    averageAge: t.exposeFloat('averageAge', { nullable: true, description: 'Mean age of residents in years, 2017 (GLA estimate).' }),
    housing: t.field({ type: Housing, description: 'Rents, purchase prices and tenure.', resolve: (a) => a.housing }),
    environment: t.field({
      type: Environment,
      description: 'Green space, emissions, recycling and travel habits.',
      resolve: (a) => a.environment,
    }),
    transport: t.field({ type: Transport, description: 'Public transport access, tube stations and lines.', resolve: (a) => a.transport }),
    safety: t.field({
      type: Safety,
      nullable: true,
      description:
        'Crime (2014/15), fires and ambulance incidents (2014). Null when the engine could not be asked (see the error at this path).',
      resolve: (a, _args, ctx) => ctx.loaders.crime.load(a.code),
    }),
    schools: t.field({
      type: SchoolsRef,
      nullable: true,
      description:
        "GCSE results (2013/14) and pupils' languages (2015). Null when the engine could not be asked (see the error at this path).",
      resolve: (a, _args, ctx) => ctx.loaders.schools.load(a.code),
    }),
    commute: t.field({
      type: CommuteRef,
      nullable: true,
      description:
        'The fastest tube route from this borough to the station `to`; null for a station code the data does not hold, or when the engine could not be asked. Costs 5 points per borough.',
      extensions: cost({ weight: 5 }),
      args: {
        to: t.arg.id({
          required: true,
          description: "The destination station's `code` (digits, see `stations`).",
          validate: { schema: stationCode },
        }),
      },
      resolve: (a, args, ctx) => ctx.loaders.commute.load({ from: a.code, to: Number(args.to) }),
    }),
  }),
});

const RentFilter = builder.inputType('RentFilter', {
  description: 'Keeps the boroughs whose median rent for one size is at most a budget.',
  fields: (t) => ({
    size: t.field({ type: PropertySizeEnum, required: true, description: 'The size whose median rent is compared.' }),
    max: t.int({
      required: true,
      description:
        'The highest median rent kept, GBP per calendar month (0 to 1,000,000). A borough without a figure for the size is left out.',
      validate: { min: 0, max: 1_000_000 },
    }),
  }),
});

const AreaFilter = builder.inputType('AreaFilter', {
  description: 'Conditions a borough must all meet to be listed; a condition left out keeps every borough.',
  fields: (t) => ({
    codes: t.idList({
      description: 'Only these boroughs, by ONS code (at most 100 codes).',
      validate: { maxLength: 100, items: { schema: areaCode } },
    }),
    innerOuter: t.field({ type: InnerOuterEnum, description: 'Only Inner or only Outer London boroughs.' }),
    nameContains: t.string({
      description: 'Only boroughs whose name contains this text, ignoring case (at most 100 characters).',
      validate: { maxLength: 100 },
    }),
    maxRent: t.field({ type: RentFilter, description: 'Only boroughs whose median rent for the size is at most `max`.' }),
    maxAveragePrice: t.int({
      description: 'Only boroughs whose `averagePrice` is at most this, GBP (boroughs without a figure are left out).',
      validate: { min: 0, max: 100_000_000 },
    }),
    minPtal: t.float({
      description: 'Only boroughs whose transport accessibility (`ptal`, 0 to 8) is at least this.',
      validate: { min: 0, max: 8 },
    }),
  }),
});

// A description for each order field, keyed by the resolver's list so that a new field cannot go without one.
const orderFieldDescriptions: Record<resolvers.AreaOrderField, string> = {
  CODE: 'By ONS code, E09000001 first.',
  NAME: 'By name, alphabetically (the default order).',
  POPULATION: 'By residents in 2017 (`population`).',
  DENSITY: 'By residents per hectare in 2017 (`densityPerHectare`).',
  AVERAGE_PRICE: 'By average price paid for a home (`housing.averagePrice`).',
  PRICE_GROWTH_5Y: 'By the 5-year change of the average price (`housing.priceChange5yPct`).',
  MEDIAN_RENT: 'By median rent over all sizes (`housing.medianRentAll`).',
  PTAL: 'By public transport accessibility (`transport.ptal`).',
  GREENSPACE: 'By share of green space (`environment.greenspacePct`).',
};

const AreaOrderField = builder.enumType('AreaOrderField', {
  description: 'What boroughs can be ordered by. Boroughs without the figure come last in either direction; ties are ordered by code.',
  values: Object.fromEntries(resolvers.areaOrderFields.map((field) => [field, { description: orderFieldDescriptions[field] }])) as Record<
    resolvers.AreaOrderField,
    { description: string }
  >,
});

const AreaOrder = builder.inputType('AreaOrder', {
  description: 'The order of a list of boroughs.',
  fields: (t) => ({
    field: t.field({ type: AreaOrderField, required: true, description: 'The figure the boroughs are ordered by.' }),
    direction: t.field({
      type: OrderDirectionEnum,
      defaultValue: 'ASC',
      description: 'Smallest first (ASC, the default) or largest first (DESC).',
    }),
  }),
});

const PageInfo = builder.objectRef<resolvers.AreaPage['pageInfo']>('PageInfo').implement({
  description: 'Where a page sits in the whole list (Relay cursor connections): pass `endCursor` as `after` for the next page.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'True when more items follow this page.' }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'True when this page does not start at the first item.' }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: "The first item's cursor; null on an empty page." }),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: "The last item's cursor, to pass as `after` for the next page; null on an empty page.",
    }),
  }),
});

const AreaEdge = builder.objectRef<resolvers.AreaPage['edges'][number]>('AreaEdge').implement({
  description: 'A borough in a page, with its cursor.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'An opaque position in the list: pass it as `after` to continue after this borough.' }),
    node: t.field({ type: AreaRef, description: 'The borough at this position.', resolve: (e) => e.node }),
  }),
});

const AreaConnection = builder.objectRef<resolvers.AreaPage>('AreaConnection').implement({
  description: "A page of boroughs (Relay cursor connection). `nodes` is the short way to the boroughs; `edges` adds each one's cursor.",
  fields: (t) => ({
    edges: t.field({
      type: [AreaEdge],
      description: 'The boroughs of the page with their cursors (at most `first`).',
      resolve: (c) => c.edges,
    }),
    nodes: t.field({ type: [AreaRef], description: 'The boroughs of the page, in order (at most `first`).', resolve: (c) => c.nodes }),
    pageInfo: t.field({
      type: PageInfo,
      description: 'Whether more pages follow, and the cursors to fetch them.',
      resolve: (c) => c.pageInfo,
    }),
    totalCount: t.exposeInt('totalCount', { description: 'Boroughs matching the filter over all pages (at most 33).' }),
  }),
});

builder.queryFields((t) => ({
  area: t.field({
    type: AreaRef,
    nullable: true,
    description:
      'One borough by ONS code; null when no borough has the code, or when the engine could not be asked (see the error at this path).',
    args: { code: t.arg.id({ required: true, description: 'The ONS borough code, e.g. E09000007.', validate: { schema: areaCode } }) },
    resolve: (_root, args, ctx) => ctx.loaders.area.load(String(args.code)),
  }),
  areas: t.field({
    type: AreaConnection,
    // Nullable, like every root field that can fail: a failure nulls this field, not the whole answer.
    nullable: true,
    description:
      'The 33 boroughs, filtered, ordered (by name unless `orderBy` says otherwise) and paginated. Priced per borough asked for (`first`). Null when the engine could not be asked or an argument is refused (see the error at this path).',
    extensions: cost({ listSize: { slicingArguments: ['first'], sizedFields: ['nodes', 'edges'] } }),
    args: {
      filter: t.arg({ type: AreaFilter, description: 'Conditions the boroughs must meet; all boroughs without it.' }),
      orderBy: t.arg({ type: AreaOrder, description: 'The order of the list; by name without it.' }),
      first: t.arg.int({ defaultValue: 20, description: 'Boroughs per page, 1 to 100 (default 20).', validate: { min: 1, max: 100 } }),
      after: t.arg.string({
        description: 'Start after this cursor (`pageInfo.endCursor` of the previous page); from the start without it.',
        validate: { maxLength: 200 },
      }),
    },
    resolve: (_root, args, ctx) =>
      resolvers.areas(ctx, {
        filter: args.filter ? { ...args.filter, codes: args.filter.codes?.map(String) } : null,
        orderBy: args.orderBy,
        first: args.first,
        after: args.after,
      }),
  }),
}));
