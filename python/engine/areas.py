"""The answers of /areas, /crime, /schools and /stations, built once from the loaded data."""
from collections.abc import Iterable

from engine import commute, data
from engine.contract import Area, Crime, LineRef, Rent, Schools, Station, Transport
from engine.data import Row
from engine.enums import SIZES

CRIME_PERIOD = "2014/15"
SCHOOLS_PERIOD = "2013/14"


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _sum_or_none(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return None if len(present) < len(values) else float(round(sum(present), 1))


def _line_refs(line_ids: Iterable[int]) -> list[LineRef]:
    lines = [data.LINES[i] for i in line_ids]
    return [{"id": l["id"], "name": l["name"], "colour": l["colour"]} for l in sorted(lines, key=lambda l: l["name"])]


def _rents(code: str) -> list[Rent]:
    rows = data.RENTS_BY_SIZE[code]
    return [{"size": size,
             "median": _int(rows[size]["median"]),
             "mean": _int(rows[size]["mean"]),
             "lowerQuartile": _int(rows[size]["lower_quartile"]),
             "upperQuartile": _int(rows[size]["upper_quartile"]),
             "count": _int(rows[size]["count_of_rents"])} for size in SIZES]


def _transport(code: str, b: Row) -> Transport:
    inside = sorted((s for s in data.STATIONS.values() if s["borough_code"] == code), key=lambda s: s["name"])
    line_ids = {line for s in inside for line in commute.NETWORK.lines_at.get(s["id"], ())}
    _origins, _access, nearest, km = commute.ORIGINS[code]
    return {
        "ptal": _float(b["ptal_avg_2014"]),
        "stationCount": len(inside),
        "stations": [{"id": s["id"], "name": s["name"]} for s in inside],
        "lines": _line_refs(line_ids),
        "nearestStation": {"id": nearest["id"], "name": nearest["name"], "distanceKm": round(km, 2)},
    }


def _area(code: str) -> Area:
    b, c, r, h = data.BOROUGHS[code], data.CENTROIDS[code], data.RENTS[code], data.HOUSE_PRICES[code]
    return {
        "code": code,
        "name": b["name"],
        "innerOuter": b["inner_outer"],
        "centroid": {"lat": c["lat"], "lon": c["lon"]},
        "population": _int(b["population_2017"]),
        "households": _int(b["households_2017"]),
        "areaHectares": _int(b["area_hectares"]),
        "densityPerHectare": _float(b["population_density_per_ha_2017"]),
        "averageAge": _float(b["average_age_2017"]),
        "housing": {
            "rentPeriod": r["period"],
            "rents": _rents(code),
            "medianRentAll": _int(r["median_all"]),
            "averagePrice": _int(h["avg_price_latest"]),
            "averagePriceMonth": h["latest_month"],
            "priceChange1yPct": _float(h["change_1y_pct"]),
            "priceChange5yPct": _float(h["change_5y_pct"]),
            "medianHousePrice2015": _int(b["median_house_price_2015"]),
            "privateRentPct": _float(b["private_rent_pct_2014"]),
            "ownedPct": _sum_or_none(b["owned_outright_pct_2014"], b["owned_mortgage_pct_2014"]),
        },
        "environment": {
            "greenspacePct": _float(b["greenspace_pct_2005"]),
            "carbonEmissionsKt": _float(b["carbon_emissions_kt_2014"]),
            "recyclingRatePct": _float(b["recycling_rate_pct_2014_15"]),
            "carsPerHousehold": _float(b["cars_per_household_2011"]),
            "cyclingPct": _float(b["pct_adults_cycle_monthly_2014_15"]),
        },
        "transport": _transport(code, b),
    }


def _ranks(column: str, lowest_first: bool) -> dict[str, int]:
    """Competition rank (1 = best; equal figures share a rank) among the boroughs with a figure."""
    values = {code: b[column] for code, b in data.BOROUGHS.items() if b[column] is not None}
    better = (lambda x, y: y < x) if lowest_first else (lambda x, y: y > x)
    return {code: 1 + sum(1 for y in values.values() if better(x, y)) for code, x in values.items()}


AREAS: dict[str, Area] = {code: _area(code) for code in data.AREA_CODES}

_CRIME_RANKS = _ranks("crime_rate_per_1000_2014_15", lowest_first=True)
CRIME: dict[str, Crime] = {
    code: {"code": code,
           "period": CRIME_PERIOD,
           "ratePer1000": _float(b["crime_rate_per_1000_2014_15"]),
           "rank": _CRIME_RANKS.get(code),
           "firesPer1000": _float(b["fires_per_1000_2014"]),
           "ambulancePer100": _float(b["ambulance_incidents_per_100_2014"])}
    for code, b in data.BOROUGHS.items()}

_SCHOOL_RANKS = _ranks("gcse_5ac_pct_2013_14", lowest_first=False)
SCHOOLS: dict[str, Schools] = {
    code: {"code": code,
           "period": SCHOOLS_PERIOD,
           "gcse5acPct": _float(b["gcse_5ac_pct_2013_14"]),
           "rank": _SCHOOL_RANKS.get(code),
           "pupilsFirstLanguageNotEnglishPct": _float(b["pct_pupils_first_language_not_english_2015"])}
    for code, b in data.BOROUGHS.items()}

STATIONS: dict[int, Station] = {
    sid: {"id": sid,
          "name": s["name"],
          "lat": s["lat"],
          "lon": s["lon"],
          "zone": float(s["zone"]),
          "rail": bool(s["rail"]),
          "boroughCode": s["borough_code"],
          "lines": _line_refs(commute.NETWORK.lines_at.get(sid, ()))}
    for sid, s in data.STATIONS.items()}
STATIONS_BY_NAME = sorted(STATIONS.values(), key=lambda s: s["name"].lower())
