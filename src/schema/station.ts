import * as resolvers from '../resolvers/stations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { AreaRef, StationRef, stationId } from './refs.ts';

export const LineRef = builder.objectRef<{ id: number; name: string; colour?: string }>('Line').implement({
  description: 'A tube line.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    colour: t.string({ nullable: true, description: 'Its map colour as #RRGGBB.', resolve: (l) => l.colour ?? null }),
  }),
});

StationRef.implement({
  description: 'A tube station (the network as it stood around 2005), usable as a commute destination.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    lat: t.exposeFloat('lat'),
    lon: t.exposeFloat('lon'),
    zone: t.exposeFloat('zone', { description: 'A value such as 2.5 means the boundary of zones 2 and 3.' }),
    rail: t.exposeBoolean('rail', { description: 'Also served by National Rail.' }),
    // King's Cross St. Pancras has 6 lines, the most of any station.
    lines: t.field({ type: [LineRef], extensions: cost({ listSize: { assumedSize: 6 } }), resolve: (s) => s.lines }),
    area: t.field({
      type: AreaRef,
      nullable: true,
      description: 'The borough it stands in; null for the stations outside Greater London.',
      resolve: (s, _args, ctx) => (s.boroughCode ? ctx.loaders.area.load(s.boroughCode) : null),
    }),
  }),
});

builder.queryFields((t) => ({
  stations: t.field({
    type: [StationRef],
    description: 'Tube stations whose name contains `search` (case-insensitive), by name.',
    extensions: cost({ listSize: { slicingArguments: ['first'] } }),
    args: {
      search: t.arg.string({ validate: { maxLength: 100 } }),
      first: t.arg.int({ defaultValue: 50, validate: { min: 1, max: 400 } }),
    },
    resolve: (_root, args, ctx) => resolvers.stations(ctx, args.search, args.first ?? 50),
  }),
  station: t.field({
    type: StationRef,
    nullable: true,
    args: { id: t.arg.id({ required: true, validate: { schema: stationId } }) },
    resolve: (_root, args, ctx) => ctx.loaders.station.load(Number(args.id)),
  }),
}));
