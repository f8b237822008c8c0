import { client } from './client.ts';
import { type MapArea, MapAreasDocument, type MapStation, TubeDocument } from './documents.ts';
import { formatNumber, h, s, section } from './dom.ts';
import { notices } from './notices.ts';

interface Metric {
  label: string;
  value: (area: MapArea) => number | null | undefined;
}

const METRICS: Record<string, Metric> = {
  medianRent: { label: 'Median rent (GBP a month)', value: (a) => a.housing.medianRentAll },
  averagePrice: { label: 'Average price (GBP)', value: (a) => a.housing.averagePrice },
  crime: { label: 'Crimes per 1,000 residents', value: (a) => a.safety?.crimeRatePer1000 },
  gcse: { label: 'Pupils with 5+ GCSEs A*-C (%)', value: (a) => a.schools?.gcse5acPct },
  ptal: { label: 'Transport access (PTAL)', value: (a) => a.transport.ptal },
  green: { label: 'Green space (% of area)', value: (a) => a.environment.greenspacePct },
  population: { label: 'Population', value: (a) => a.population },
};

const WIDTH = 900;
const HEIGHT = 600;

/** Longitude and latitude onto the picture: equirectangular, shrunk east-west by the cosine of London's latitude. */
function projection(points: { lat: number; lon: number }[]) {
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const [south, north, west, east] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const squeeze = Math.cos(((south + north) / 2) * (Math.PI / 180));
  const scale = Math.min((WIDTH - 40) / ((east - west) * squeeze), (HEIGHT - 40) / (north - south));
  return (p: { lat: number; lon: number }) => ({ x: 20 + (p.lon - west) * squeeze * scale, y: 20 + (north - p.lat) * scale });
}

/**
 * Each line as the shortest tree through its stations (Prim's): the schema has stations and their lines but no
 * station-to-station links, and the shortest tree draws a line's branches as a tube map does, near enough.
 */
function lineSegments(stations: { x: number; y: number }[]): [number, number][] {
  const segments: [number, number][] = [];
  if (stations.length < 2) return segments;
  const inTree = new Set([0]);
  const best = stations.map((p) => ({ distance: Math.hypot(p.x - stations[0]!.x, p.y - stations[0]!.y), from: 0 }));
  while (inTree.size < stations.length) {
    let next = -1;
    for (let i = 0; i < stations.length; i++) if (!inTree.has(i) && (next < 0 || best[i]!.distance < best[next]!.distance)) next = i;
    inTree.add(next);
    segments.push([best[next]!.from, next]);
    for (let i = 0; i < stations.length; i++) {
      const distance = Math.hypot(stations[i]!.x - stations[next]!.x, stations[i]!.y - stations[next]!.y);
      if (!inTree.has(i) && distance < best[i]!.distance) best[i] = { distance, from: next };
    }
  }
  return segments;
}

/** From pale to deep blue as `t` goes from 0 to 1. */
const shade = (t: number) => `hsl(${210 - t * 20} 70% ${82 - t * 50}%)`;

/** A borough's whole name, on two lines when it is long ("Kensington & / Chelsea"), so none is cut to its first word. */
function label(name: string, x: number, y: number): SVGTextElement {
  const words = name.replace(/ and /g, ' & ').split(' ');
  if (words.length < 2 || name.length <= 12) return s('text', { x, y: y + 3, 'text-anchor': 'middle' }, name);
  const half = Math.ceil(words.length / 2);
  return s(
    'text',
    { x, y: y - 1, 'text-anchor': 'middle' },
    s('tspan', { x }, words.slice(0, half).join(' ')),
    s('tspan', { x, dy: 8 }, words.slice(half).join(' ')),
  );
}

function draw(areas: MapArea[], stations: MapStation[], metric: Metric): SVGSVGElement {
  const at = projection([...areas.map((a) => a.centroid), ...stations]);
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': `London's boroughs by ${metric.label}` });

  const byLine = new Map<string, { colour: string; name: string; points: { x: number; y: number }[] }>();
  for (const station of stations) {
    for (const line of station.lines) {
      const entry = byLine.get(line.id) ?? { colour: line.colour ?? '#888', name: line.name, points: [] };
      entry.points.push(at(station));
      byLine.set(line.id, entry);
    }
  }
  const network = s('g', { class: 'tube', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-opacity': 0.75 });
  for (const { colour, name, points } of byLine.values()) {
    const group = s('g', { stroke: colour, 'data-line': name }, s('title', {}, name));
    for (const [a, b] of lineSegments(points)) {
      group.append(s('line', { x1: points[a]!.x, y1: points[a]!.y, x2: points[b]!.x, y2: points[b]!.y }));
    }
    network.append(group);
  }
  svg.append(network);
  const dots = s('g', { fill: '#fff', stroke: '#556', 'stroke-width': 0.6 });
  for (const station of stations) {
    const { x, y } = at(station);
    dots.append(s('circle', { class: 'station', cx: x, cy: y, r: 1.6 }, s('title', {}, station.name)));
  }
  svg.append(dots);

  const values = areas.map(metric.value).filter((v): v is number => typeof v === 'number');
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const boroughs = s('g');
  for (const area of areas) {
    const value = metric.value(area);
    const t = typeof value === 'number' && high > low ? (value - low) / (high - low) : 0;
    const { x, y } = at(area.centroid);
    boroughs.append(
      s(
        'circle',
        {
          class: 'area',
          'data-code': area.code,
          cx: x,
          cy: y,
          r: 7 + 13 * Math.sqrt(t),
          fill: typeof value === 'number' ? shade(t) : '#ccc',
        },
        s('title', {}, `${area.name}: ${formatNumber(value)}`),
      ),
      label(area.name, x, y),
    );
  }
  svg.append(boroughs);
  return svg;
}

/**
 * The boroughs as circles over the tube network, sized and shaded by the figure chosen. A query a budget
 * refused is asked again once, when its countdown ends (what graphcache holds is not asked again).
 */
export async function showMap(retried = false): Promise<void> {
  const [areas, tube] = await Promise.all([client.query(MapAreasDocument, {}).toPromise(), client.query(TubeDocument, {}).toPromise()]);
  const root = section('map');
  // Both queries may be refused: the map is asked again once.
  let asked = retried;
  const retry = () => {
    if (!asked) void showMap(true);
    asked = true;
  };
  root.append(
    ...notices(areas.error, areas.extensions, retried ? undefined : retry),
    ...notices(tube.error, tube.extensions, retried ? undefined : retry),
  );
  const nodes = areas.data?.areas?.nodes ?? [];
  if (nodes.length === 0) return;
  const stations = tube.data?.stations ?? [];
  const picture = h('div');
  const choice = h(
    'select',
    { 'aria-label': 'Figure', onchange: () => picture.replaceChildren(draw(nodes, stations, METRICS[choice.value]!)) },
    ...Object.entries(METRICS).map(([key, { label }]) => h('option', { value: key }, label)),
  );
  picture.append(draw(nodes, stations, METRICS[choice.value]!));
  root.append(
    h(
      'div',
      { class: 'row legend' },
      h('label', {}, 'Circles sized and shaded by ', choice),
      h('span', { class: 'muted' }, `${nodes.length} boroughs, ${stations.length} stations`),
    ),
    picture,
  );
}
