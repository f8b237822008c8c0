"""Great-circle distance and the nearest tube station to a point."""
import math
from collections.abc import Mapping
from typing import Any

Place = Mapping[str, Any]  # anything with "lat" and "lon" (a station row)

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def nearest_station(lat: float, lon: float, stations: Mapping[int, Place]) -> tuple[Place, float]:
    """(station, km) of the closest station; ties go to the lower id so the answer is stable."""
    best = min(stations.values(), key=lambda s: (distance_km(lat, lon, s["lat"], s["lon"]), s["id"]))
    return best, distance_km(lat, lon, best["lat"], best["lon"])
