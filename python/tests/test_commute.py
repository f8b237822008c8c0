"""Routing: the answers agree with the network's connection times, and the change penalty matters."""
import csv
import os
import unittest

from engine import commute, data, handlers
from tests.support import DATA_DIR


def connections_csv():
    with open(os.path.join(DATA_DIR, "tube_connections.csv"), newline="", encoding="utf-8") as f:
        return [{k: int(v) for k, v in row.items()} for row in csv.DictReader(f)]


def line_id(name):
    with open(os.path.join(DATA_DIR, "tube_lines.csv"), newline="", encoding="utf-8") as f:
        return next(int(r["id"]) for r in csv.DictReader(f) if r["name"] == name)


def walk_line(line, hops):
    """From a terminus of `line`, the stations and times of the next `hops` connections, from the CSV."""
    edges = [c for c in connections_csv() if c["line"] == line]
    neighbours = {}
    for c in edges:
        neighbours.setdefault(c["station1"], []).append((c["station2"], c["time_min"]))
        neighbours.setdefault(c["station2"], []).append((c["station1"], c["time_min"]))
    terminus = min(s for s, n in neighbours.items() if len(n) == 1)
    stations, times = [terminus], []
    while len(times) < hops:
        nxt = [(s, t) for s, t in neighbours[stations[-1]] if s not in stations]
        stations.append(nxt[0][0])
        times.append(nxt[0][1])
    return stations, times


RIDE_TIMES = {}
for _c in connections_csv():
    RIDE_TIMES[(_c["station1"], _c["station2"], _c["line"])] = _c["time_min"]
    RIDE_TIMES[(_c["station2"], _c["station1"], _c["line"])] = _c["time_min"]


def ride_time(a, b, line):
    return RIDE_TIMES[(a, b, line)]


class OneLineTest(unittest.TestCase):
    def test_a_journey_along_one_line_equals_the_sum_of_its_connection_times(self):
        victoria = line_id("Victoria Line")
        stations, times = walk_line(victoria, 6)
        tree = commute.NETWORK.shortest_from([stations[0]])
        minutes, changes, _ = tree[0][stations[-1]]
        path = commute.NETWORK.path_to(tree, stations[-1])
        self.assertEqual(changes, 0)
        self.assertEqual([s for s, _line in path], stations)
        self.assertEqual({line for _s, line in path}, {victoria})
        self.assertEqual(minutes, sum(times))

    def test_every_commute_answer_rides_real_connections(self):
        """For every area and a spread of stations: rideMinutes is the CSV time of each hop ridden."""
        for code in data.AREA_CODES:
            pairs = [{"from": code, "to": sid} for sid in sorted(data.STATIONS)[::25]]
            for answer in handlers.commutes({"pairs": pairs})["commutes"]:
                hops = 0
                for leg in answer["legs"]:
                    self.assertGreaterEqual(leg["stops"], 1)
                    hops += leg["stops"]
                stations = [s["id"] for s in answer["stations"]]
                self.assertEqual(len(stations) - 1, hops)
                ride = 0
                index = 0
                for leg in answer["legs"]:
                    leg_minutes = sum(ride_time(stations[index + k], stations[index + k + 1], leg["line"]["id"])
                                      for k in range(leg["stops"]))
                    self.assertEqual(leg_minutes, leg["minutes"])
                    ride += leg_minutes
                    index += leg["stops"]
                self.assertEqual(answer["rideMinutes"], ride)
                self.assertEqual(answer["minutes"],
                                 answer["accessMinutes"] + ride + commute.CHANGE_MINUTES * answer["changes"])


class ChangePenaltyTest(unittest.TestCase):
    def test_penalty_prefers_fewer_changes_over_a_slightly_faster_route(self):
        # A to D: line 1 direct in 10 minutes, or line 2 to X (2) then line 3 to D (4) = 6 + one change.
        a, d, x = 1, 2, 3
        graph = [(a, d, "one", 10), (a, x, "two", 2), (x, d, "three", 4)]
        with_penalty = commute.Network(graph)
        minutes, changes, (station, line) = with_penalty.shortest_from([a])[0][d]
        self.assertEqual((minutes, changes, line), (10, 0, "one"))
        # Without the penalty the faster route with a change wins: the test can tell the difference.
        free = commute.Network(graph, change_minutes=0)
        minutes, changes, (station, line) = free.shortest_from([a])[0][d]
        self.assertEqual((minutes, changes, line), (6, 1, "three"))

    def test_the_real_network_has_such_a_route(self):
        free = commute.Network([(c["station1"], c["station2"], c["line"], c["time_min"])
                                for c in connections_csv()], change_minutes=0)
        found = None
        for origin in sorted(data.STATIONS)[:60]:
            penalised = commute.NETWORK.shortest_from([origin])[0]
            unpenalised = free.shortest_from([origin])[0]
            for dest, (minutes, changes, _state) in penalised.items():
                ride = minutes - commute.CHANGE_MINUTES * changes
                free_ride, free_changes, _ = unpenalised[dest]
                if changes < free_changes and ride > free_ride:
                    found = (origin, dest, ride, changes, free_ride, free_changes)
                    break
            if found:
                break
        self.assertIsNotNone(found, "no route where the penalty trades ride time for fewer changes")
        origin, dest, ride, changes, free_ride, free_changes = found
        # The chosen route is slower to ride but cheaper once each change costs 5 minutes.
        self.assertLessEqual(ride + 5 * changes, free_ride + 5 * free_changes)


if __name__ == "__main__":
    unittest.main()
