#!/usr/bin/env python3
"""In-process timings of the two heaviest calls, through the same handlers the servers use.

    python3 python/bench.py [--repeat 300]
"""
import argparse
import statistics
import time

from engine import data, handlers  # the package beside this script: Python puts the script's folder on sys.path

BANK = next(s["id"] for s in data.STATIONS.values() if s["name"] == "Bank")


def recommend_all_boroughs():
    return handlers.recommend({"persona": "student", "budget": 5000, "locationType": "rent",
                               "commuteTo": BANK, "maxCommuteMinutes": 120})


STATION_IDS = sorted(data.STATIONS)
PAIRS = [{"from": data.AREA_CODES[i % 33], "to": STATION_IDS[(i * 37) % len(STATION_IDS)]} for i in range(100)]


def commute_batch():
    return handlers.commutes({"pairs": PAIRS})


def measure(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    assert recommend_all_boroughs()["total"] + len(recommend_all_boroughs()["excluded"]) == 33
    for label, fn in [("/recommend, 33 boroughs, commuteTo Bank", recommend_all_boroughs),
                      ("/commute, batch of 100 pairs", commute_batch)]:
        median, p95 = measure(fn, args.repeat)
        print(f"{label:42s} median {median:6.2f} ms   p95 {p95:6.2f} ms   ({args.repeat} runs)")


if __name__ == "__main__":
    main()
