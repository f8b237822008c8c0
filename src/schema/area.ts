import type { Area, Commute, Crime, Schools } from '../modal/contract.ts';
import * as resolvers from '../resolvers/areas.ts';
import { stationList } from '../resolvers/stations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { InnerOuterEnum, OrderDirectionEnum, PropertySizeEnum } from './enums.ts';
import { AreaRef, areaCode, StationRef, stationId } from './refs.ts';
import { LineRef } from './station.ts';

type Rent = Area['housing']['rents'][number];

const LatLon = builder.objectRef<{ lat: number; lon: number }>('LatLon').implement({
  fields: (t) => ({ lat: t.exposeFloat('lat'), lon: t.exposeFloat('lon') }),
});

const RentRef = builder.objectRef<Rent>('Rent').implement({
  description: 'Private rents for one size, GBP per calendar month (VOA, 12 months to March 2019). Null where suppressed.',
  fields: (t) => ({
    size: t.expose('size', { type: PropertySizeEnum }),
    median: t.exposeInt('median', { nullable: true }),
    mean: t.exposeInt('mean', { nullable: true }),
    lowerQuartile: t.exposeInt('lowerQuartile', { nullable: true }),
    upperQuartile: t.exposeInt('upperQuartile', { nullable: true }),
    count: t.exposeInt('count', { nullable: true, description: 'Rents in the sample.' }),
  }),
});

const Housing = builder.objectRef<Area['housing']>('Housing').implement({
  fields: (t) => ({
    rentPeriod: t.exposeString('rentPeriod'),
    rents: t.field({
      type: [RentRef],
      description: 'One entry per size, in size order.',
      extensions: cost({ listSize: { assumedSize: 6 } }),
      resolve: (h) => h.rents,
    }),
    rent: t.field({
      type: RentRef,
      nullable: true,
      args: { size: t.arg({ type: PropertySizeEnum, required: true }) },
      resolve: (h, args) => resolvers.rentFor(h, args.size),
    }),
    medianRentAll: t.exposeInt('medianRentAll', { nullable: true, description: 'All sizes, GBP per month.' }),
    averagePrice: t.exposeInt('averagePrice', { nullable: true, description: 'UK HPI average price, GBP.' }),
    averagePriceMonth: t.exposeString('averagePriceMonth'),
    priceChange1yPct: t.exposeFloat('priceChange1yPct', { nullable: true }),
    priceChange5yPct: t.exposeFloat('priceChange5yPct', { nullable: true }),
    medianHousePrice2015: t.exposeInt('medianHousePrice2015', { nullable: true }),
    privateRentPct: t.exposeFloat('privateRentPct', { nullable: true, description: 'Households renting privately (2014).' }),
    ownedPct: t.exposeFloat('ownedPct', { nullable: true, description: 'Households owning, outright or with a mortgage (2014).' }),
  }),
});

const Environment = builder.objectRef<Area['environment']>('Environment').implement({
  fields: (t) => ({
    greenspacePct: t.exposeFloat('greenspacePct', { nullable: true, description: 'Share of the area that is green space (2005).' }),
    carbonEmissionsKt: t.exposeFloat('carbonEmissionsKt', { nullable: true }),
    recyclingRatePct: t.exposeFloat('recyclingRatePct', { nullable: true }),
    carsPerHousehold: t.exposeFloat('carsPerHousehold', { nullable: true }),
    cyclingPct: t.exposeFloat('cyclingPct', { nullable: true, description: 'Adults cycling at least monthly.' }),
  }),
});

const NearestStation = builder.objectRef<Area['transport']['nearestStation']>('NearestStation').implement({
  fields: (t) => ({
    distanceKm: t.exposeFloat('distanceKm'),
    station: t.field({ type: StationRef, nullable: true, resolve: (n, _a, ctx) => ctx.loaders.station.load(n.id) }),
  }),
});

const Transport = builder.objectRef<Area['transport']>('Transport').implement({
  fields: (t) => ({
    ptal: t.exposeFloat('ptal', { nullable: true, description: 'Average public transport accessibility (2014), 0 (worst) to 8.' }),
    stationCount: t.exposeInt('stationCount'),
    stations: t.field({
      type: [StationRef],
      // Sizes are the data's maxima, so a price is an upper bound: Westminster has 30 stations.
      extensions: cost({ listSize: { assumedSize: 30 } }),
      resolve: (tr, _a, ctx) =>
        stationList(
          ctx,
          tr.stations.map((s) => s.id),
        ),
    }),
    lines: t.field({ type: [LineRef], extensions: cost({ listSize: { assumedSize: 10 } }), resolve: (tr) => tr.lines }),
    nearestStation: t.field({ type: NearestStation, description: 'Nearest to the centroid.', resolve: (tr) => tr.nearestStation }),
  }),
});

const Safety = builder.objectRef<Crime>('Safety').implement({
  fields: (t) => ({
    period: t.exposeString('period'),
    crimeRatePer1000: t.exposeFloat('ratePer1000', { nullable: true, description: 'Offences per 1,000 residents.' }),
    rank: t.exposeInt('rank', { nullable: true, description: '1 = the lowest crime rate of the boroughs with a figure.' }),
    firesPer1000: t.exposeFloat('firesPer1000', { nullable: true }),
    ambulanceIncidentsPer100: t.exposeFloat('ambulancePer100', { nullable: true }),
  }),
});

const SchoolsRef = builder.objectRef<Schools>('Schools').implement({
  fields: (t) => ({
    period: t.exposeString('period'),
    gcse5acPct: t.exposeFloat('gcse5acPct', { nullable: true, description: 'Pupils with 5+ A*-C at GCSE incl. English and Maths.' }),
    rank: t.exposeInt('rank', { nullable: true, description: '1 = the highest GCSE share.' }),
    pupilsFirstLanguageNotEnglishPct: t.exposeFloat('pupilsFirstLanguageNotEnglishPct', { nullable: true }),
  }),
});

const CommuteLeg = builder.objectRef<Commute['legs'][number]>('CommuteLeg').implement({
  fields: (t) => ({
    line: t.field({ type: LineRef, resolve: (leg) => leg.line }),
    from: t.field({ type: StationRef, nullable: true, resolve: (leg, _a, ctx) => ctx.loaders.station.load(leg.from.id) }),
    to: t.field({ type: StationRef, nullable: true, resolve: (leg, _a, ctx) => ctx.loaders.station.load(leg.to.id) }),
    stops: t.exposeInt('stops'),
    minutes: t.exposeInt('minutes'),
  }),
});

const CommuteRef = builder.objectRef<Commute>('Commute').implement({
  description: 'The fastest tube route from an area to a station.',
  fields: (t) => ({
    minutes: t.exposeInt('minutes', { description: 'Access + riding + 5 minutes per change.' }),
    rideMinutes: t.exposeInt('rideMinutes'),
    accessMinutes: t.exposeInt('accessMinutes', { description: 'Estimated leg to the first station; 0 when the area has stations.' }),
    changes: t.exposeInt('changes'),
    from: t.field({ type: AreaRef, nullable: true, resolve: (c, _a, ctx) => ctx.loaders.area.load(c.from) }),
    to: t.field({ type: StationRef, nullable: true, resolve: (c, _a, ctx) => ctx.loaders.station.load(c.to) }),
    originStation: t.field({ type: StationRef, nullable: true, resolve: (c, _a, ctx) => ctx.loaders.station.load(c.originStation.id) }),
    stations: t.field({
      type: [StationRef],
      // The longest route from an area to a station passes 43 stations; none has more than 4 legs.
      extensions: cost({ listSize: { assumedSize: 43 } }),
      resolve: (c, _a, ctx) =>
        stationList(
          ctx,
          c.stations.map((s) => s.id),
        ),
    }),
    lines: t.field({ type: [LineRef], extensions: cost({ listSize: { assumedSize: 5 } }), resolve: (c) => c.lines }),
    legs: t.field({ type: [CommuteLeg], extensions: cost({ listSize: { assumedSize: 5 } }), resolve: (c) => c.legs }),
  }),
});

AreaRef.implement({
  description: 'A London borough. Each group of fields is fetched by its own loader, so a query pays only for what it selects.',
  fields: (t) => ({
    code: t.exposeID('code', { description: 'ONS code, e.g. E09000007.' }),
    name: t.exposeString('name'),
    innerOuter: t.expose('innerOuter', { type: InnerOuterEnum }),
    centroid: t.field({ type: LatLon, resolve: (a) => a.centroid }),
    population: t.exposeInt('population', { nullable: true, description: 'GLA estimate, 2017.' }),
    households: t.exposeInt('households', { nullable: true }),
    areaHectares: t.exposeInt('areaHectares', { nullable: true }),
    densityPerHectare: t.exposeFloat('densityPerHectare', { nullable: true }),
    averageAge: t.exposeFloat('averageAge', { nullable: true }),
    housing: t.field({ type: Housing, resolve: (a) => a.housing }),
    environment: t.field({ type: Environment, resolve: (a) => a.environment }),
    transport: t.field({ type: Transport, resolve: (a) => a.transport }),
    safety: t.field({
      type: Safety,
      nullable: true,
      description: 'Crime, 2014/15.',
      resolve: (a, _args, ctx) => ctx.loaders.crime.load(a.code),
    }),
    schools: t.field({
      type: SchoolsRef,
      nullable: true,
      description: 'GCSE results, 2013/14.',
      resolve: (a, _args, ctx) => ctx.loaders.schools.load(a.code),
    }),
    commute: t.field({
      type: CommuteRef,
      nullable: true,
      description: 'The fastest tube route to the station `to`; null for an unknown station.',
      extensions: cost({ weight: 5 }),
      args: { to: t.arg.id({ required: true, validate: { schema: stationId } }) },
      resolve: (a, args, ctx) => ctx.loaders.commute.load({ from: a.code, to: Number(args.to) }),
    }),
  }),
});

const RentFilter = builder.inputType('RentFilter', {
  fields: (t) => ({
    size: t.field({ type: PropertySizeEnum, required: true }),
    max: t.int({ required: true, description: 'GBP per month.', validate: { min: 0, max: 1_000_000 } }),
  }),
});

const AreaFilter = builder.inputType('AreaFilter', {
  fields: (t) => ({
    codes: t.idList({ validate: { maxLength: 100, items: { schema: areaCode } } }),
    innerOuter: t.field({ type: InnerOuterEnum }),
    nameContains: t.string({ validate: { maxLength: 100 } }),
    maxRent: t.field({ type: RentFilter, description: 'Median rent for the size at most `max`.' }),
    maxAveragePrice: t.int({ validate: { min: 0, max: 100_000_000 } }),
    minPtal: t.float({ validate: { min: 0, max: 8 } }),
  }),
});

const AreaOrderField = builder.enumType('AreaOrderField', { values: resolvers.areaOrderFields });

const AreaOrder = builder.inputType('AreaOrder', {
  fields: (t) => ({
    field: t.field({ type: AreaOrderField, required: true }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'ASC' }),
  }),
});

const PageInfo = builder.objectRef<resolvers.AreaPage['pageInfo']>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

const AreaEdge = builder.objectRef<resolvers.AreaPage['edges'][number]>('AreaEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: AreaRef, resolve: (e) => e.node }) }),
});

const AreaConnection = builder.objectRef<resolvers.AreaPage>('AreaConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [AreaEdge], resolve: (c) => c.edges }),
    nodes: t.field({ type: [AreaRef], resolve: (c) => c.nodes }),
    pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
    totalCount: t.exposeInt('totalCount', { description: 'Areas matching the filter, on every page.' }),
  }),
});

builder.queryFields((t) => ({
  area: t.field({
    type: AreaRef,
    nullable: true,
    description: 'One borough by ONS code; null when no borough has it.',
    args: { code: t.arg.id({ required: true, validate: { schema: areaCode } }) },
    resolve: (_root, args, ctx) => ctx.loaders.area.load(String(args.code)),
  }),
  areas: t.field({
    type: AreaConnection,
    description: 'The 33 boroughs, filtered, ordered (default by name) and paginated.',
    extensions: cost({ listSize: { slicingArguments: ['first'], sizedFields: ['nodes', 'edges'] } }),
    args: {
      filter: t.arg({ type: AreaFilter }),
      orderBy: t.arg({ type: AreaOrder }),
      first: t.arg.int({ defaultValue: 20, validate: { min: 1, max: 100 } }),
      after: t.arg.string({ validate: { maxLength: 200 } }),
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
