import * as resolvers from '../resolvers/stations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { NodeRef, nodeId } from './node.ts';
import { AreaRef, StationRef, stationCode } from './refs.ts';

export const LineRef = builder.objectRef<{ id: number; name: string; colour?: string }>('Line').implement({
  description:
    'A line of the tube data: the 12 tube lines of around 2005 (the East London line among them) and the Docklands Light Railway.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({ description: "The line's global id, for `node(id:)` (see `Node`).", resolve: (l) => nodeId('Line', l.id) }),
    code: t.exposeID('id', { description: "The line's code in the tube data (digits), stable across requests." }),
    name: t.exposeString('name', { description: "The line's name, e.g. `Victoria Line`." }),
    colour: t.string({
      nullable: true,
      description: "The line's colour on the tube map as `#RRGGBB`; null where the data has none.",
      resolve: (l) => l.colour ?? null,
    }),
  }),
});

StationRef.implement({
  description:
    "A tube station, usable as a commute destination: one of 302 in the tube data (after Nicola Greco's tubemaps and Wikimedia Commons; not official TfL data), the network as it stood around 2005, with the zones of that time.",
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({ description: "The station's global id, for `node(id:)` (see `Node`).", resolve: (s) => nodeId('Station', s.id) }),
    code: t.exposeID('id', {
      description: "The station's code in the tube data (digits): what `station(code:)`, `commuteTo` and `commute(to:)` take.",
    }),
    name: t.exposeString('name', { description: "The station's name, e.g. `King's Cross St. Pancras`." }),
    lat: t.exposeFloat('lat', { description: 'Latitude in WGS84 degrees north.' }),
    lon: t.exposeFloat('lon', { description: 'Longitude in WGS84 degrees east (negative west of Greenwich).' }),
    zone: t.exposeFloat('zone', {
      description: 'Its fare zone around 2005; a value such as 2.5 means the boundary of zones 2 and 3. Some zones have changed since.',
    }),
    rail: t.exposeBoolean('rail', { description: 'True when National Rail also serves the station.' }),
    // King's Cross St. Pancras has 6 lines, the most of any station.
    lines: t.field({
      type: [LineRef],
      description: 'The lines calling at the station, by name (at most 6).',
      extensions: cost({ listSize: { assumedSize: 6 } }),
      resolve: (s) => s.lines,
    }),
    area: t.field({
      type: AreaRef,
      nullable: true,
      description:
        'The borough the station stands in; null for the 16 stations outside Greater London, or when the engine could not be asked.',
      resolve: (s, _args, ctx) => (s.boroughCode ? ctx.loaders.area.load(s.boroughCode) : null),
    }),
  }),
});

builder.queryFields((t) => ({
  stations: t.field({
    type: [StationRef],
    // Nullable, like every root field that can fail: a failure nulls this field, not the whole answer.
    nullable: true,
    description:
      'Tube stations whose name contains `search` (ignoring case), by name, at most `first` of them. Priced per station asked for (`first`). Null when the engine could not be asked or an argument is refused (see the error at this path).',
    extensions: cost({ listSize: { slicingArguments: ['first'] } }),
    args: {
      search: t.arg.string({
        description: 'Text the name must contain, ignoring case (at most 100 characters); every station without it.',
        validate: { maxLength: 100 },
      }),
      first: t.arg.int({
        defaultValue: 50,
        description: 'The most stations to return, 1 to 400 (default 50).',
        validate: { min: 1, max: 400 },
      }),
    },
    resolve: (_root, args, ctx) => resolvers.stations(ctx, args.search, args.first ?? 50),
  }),
  station: t.field({
    type: StationRef,
    nullable: true,
    description:
      'One station by code; null when no station has the code, or when the engine could not be asked (see the error at this path).',
    args: {
      code: t.arg.id({ required: true, description: "The station's `code` (digits, see `stations`).", validate: { schema: stationCode } }),
    },
    resolve: (_root, args, ctx) => ctx.loaders.station.load(Number(args.code)),
  }),
}));
