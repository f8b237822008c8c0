"""Fastest tube routes: Dijkstra over (station, line) states, with a penalty for changing line.

Riding a connection costs its time_min; changing line at a station costs CHANGE_MINUTES. Equal times
prefer fewer changes. Routes from each of the 33 areas to every station are precomputed at import,
so a batch of commutes only walks predecessor links.
"""
import heapq
import math
from collections.abc import Callable, Iterable

from engine import data, geo
from engine.contract import Commute, Leg, LineRef, StationRef

State = tuple[int, int]   # (station id, line id)
# The result of Network.shortest_from: the best (minutes, changes, state) per station reached, and the
# state each state was reached from (None at an origin).
Tree = tuple[dict[int, tuple[int, int, State]], dict[State, State | None]]

CHANGE_MINUTES = 5

# Access leg for an area without a station, to the station nearest its centroid:
# 5 minutes' wait, then the straight line times a road factor of 1.3, by bus at 15 km/h.
ACCESS_WAIT_MINUTES = 5
ROAD_FACTOR = 1.3
BUS_KMH = 15.0


def access_minutes(distance_km: float) -> int:
    return math.ceil(ACCESS_WAIT_MINUTES + distance_km * ROAD_FACTOR / BUS_KMH * 60)


class Network:
    """An undirected tube graph: connections are (station1, station2, line, minutes)."""

    def __init__(self, connections: Iterable[tuple[int, int, int, int]], change_minutes: int = CHANGE_MINUTES):
        self.change_minutes = change_minutes
        self.rides: dict[State, list[tuple[int, int]]] = {}  # (station, line) -> [(next station, minutes)]
        lines_at: dict[int, set[int]] = {}
        for a, b, line, minutes in connections:
            self.rides.setdefault((a, line), []).append((b, minutes))
            self.rides.setdefault((b, line), []).append((a, minutes))
            lines_at.setdefault(a, set()).add(line)
            lines_at.setdefault(b, set()).add(line)
        self.lines_at = {s: sorted(ls) for s, ls in lines_at.items()}  # station -> sorted line ids

    def shortest_from(self, origins: Iterable[int]) -> Tree:
        """Dijkstra from every line at every origin station at once (they all start at 0 minutes).

        Returns {station: (minutes, changes, state)} for the best arrival at each station reached, and
        the predecessor of each state, for `path_to`.
        """
        best: dict[int, tuple[int, int, State]] = {}
        previous: dict[State, State | None] = {}
        heap: list[tuple[int, int, int, int, State | None]] = []
        for s in origins:
            for line in self.lines_at.get(s, ()):
                heap.append((0, 0, s, line, None))
        heapq.heapify(heap)
        settled = set()
        while heap:
            minutes, changes, station, line, before = heapq.heappop(heap)
            state = (station, line)
            if state in settled:
                continue
            settled.add(state)
            previous[state] = before
            if station not in best:
                best[station] = (minutes, changes, state)
            for nxt, ride in self.rides.get(state, ()):
                if (nxt, line) not in settled:
                    heapq.heappush(heap, (minutes + ride, changes, nxt, line, state))
            for other in self.lines_at[station]:
                if other != line and (station, other) not in settled:
                    heapq.heappush(heap, (minutes + self.change_minutes, changes + 1, station, other, state))
        return best, previous

    def path_to(self, tree: Tree, destination: int) -> list[State] | None:
        """The list of (station, line) states from the origin to the destination, or None."""
        best, previous = tree
        if destination not in best:
            return None
        state: State | None = best[destination][2]
        path = []
        while state is not None:
            path.append(state)
            state = previous[state]
        path.reverse()
        return path


def _ref(station_id: int) -> StationRef:
    return {"id": station_id, "name": data.STATIONS[station_id]["name"]}


def _line_ref(line_id: int) -> LineRef:
    line = data.LINES[line_id]
    return {"id": line_id, "name": line["name"], "colour": line["colour"]}


def describe(path: list[State], ride_minutes_of: Callable[[int, int, int], int]) -> list[Leg]:
    """Turns a state path into legs: consecutive rides on one line make one leg."""
    legs: list[Leg] = []
    for (a, line_a), (b, line_b) in zip(path, path[1:]):
        if a == b:          # a change of line at a station
            continue
        minutes = ride_minutes_of(a, b, line_a)
        if legs and legs[-1]["line"]["id"] == line_a and legs[-1]["to"]["id"] == a:
            legs[-1]["to"] = _ref(b)
            legs[-1]["stops"] += 1
            legs[-1]["minutes"] += minutes
        else:
            legs.append({"line": _line_ref(line_a), "from": _ref(a), "to": _ref(b), "stops": 1, "minutes": minutes})
    return legs


NETWORK = Network([(c["station1"], c["station2"], c["line"], c["time_min"]) for c in data.CONNECTIONS])
_RIDE_MINUTES: dict[tuple[int, int, int], int] = {}  # (from, to, line) -> minutes
for _c in data.CONNECTIONS:
    _RIDE_MINUTES[(_c["station1"], _c["station2"], _c["line"])] = _c["time_min"]
    _RIDE_MINUTES[(_c["station2"], _c["station1"], _c["line"])] = _c["time_min"]


def _origin(code: str) -> tuple[list[int], int, geo.Place, float]:
    """(origin station ids, access minutes, nearest station, km) for an area."""
    centroid = data.CENTROIDS[code]
    nearest, km = geo.nearest_station(centroid["lat"], centroid["lon"], data.STATIONS)
    inside = sorted(s["id"] for s in data.STATIONS.values() if s["borough_code"] == code)
    if inside:
        return inside, 0, nearest, km
    return [nearest["id"]], access_minutes(km), nearest, km


ORIGINS = {code: _origin(code) for code in data.AREA_CODES}
TREES = {code: NETWORK.shortest_from(ORIGINS[code][0]) for code in data.AREA_CODES}


def commute(code: str, station_id: int) -> Commute | None:
    """The Commute answer from an area to a station, or None for an unknown area or station or no route."""
    if code not in TREES or station_id not in data.STATIONS:
        return None
    path = NETWORK.path_to(TREES[code], station_id)
    if path is None:
        return None
    legs = describe(path, lambda a, b, line: _RIDE_MINUTES[(a, b, line)])
    ride = sum(leg["minutes"] for leg in legs)
    changes = TREES[code][0][station_id][1]
    access = ORIGINS[code][1]
    return {
        "from": code,
        "to": station_id,
        "minutes": access + ride + changes * CHANGE_MINUTES,
        "rideMinutes": ride,
        "accessMinutes": access,
        "changes": changes,
        "originStation": _ref(path[0][0]),
        "stations": _expand_stations(path),
        "lines": [leg["line"] for leg in legs],
        "legs": legs,
    }


def _expand_stations(path: list[State]) -> list[StationRef]:
    """Every station passed, in order, with no repeat at a change."""
    out: list[StationRef] = []
    for station, _line in path:
        if not out or out[-1]["id"] != station:
            out.append(_ref(station))
    return out


def minutes_and_changes(code: str, station_id: int) -> tuple[int, int] | None:
    """The cheap (minutes, changes) used by /recommend, or None."""
    best = TREES.get(code, ({}, None))[0].get(station_id)
    if best is None:
        return None
    return ORIGINS[code][1] + best[0], best[1]
