"""Ranks the boroughs for a persona, budget and optional commute, with a breakdown by factor.

Each factor is normalised to 0..1 (1 = best); score = 100 * sum(w * s) / sum(w) over the factors with a
weight > 0 that have a figure for the area. A factor without a figure is left out of that area's score
(its weight does not count) and is named in the breakdown with missing: true.
"""
import math

from engine import commute, data
from engine.contract import (ExclusionCode, ExclusionReason, FactorScore, Ranked, RecommendQuery,
                             RecommendResult, Weights)
from engine.data import Row
from engine.enums import FACTORS, Factor, LocationType, Size
from engine.personas import PERSONAS

# (minutes, changes) of the commute to `commuteTo`, or None
Journey = tuple[int, int] | None

# Source column of each factor that is min-max normalised across the boroughs with a figure.
SPREAD_COLUMNS: dict[Factor, tuple[dict[str, Row], str]] = {
    "safety": (data.BOROUGHS, "crime_rate_per_1000_2014_15"),
    "schools": (data.BOROUGHS, "gcse_5ac_pct_2013_14"),
    "transport": (data.BOROUGHS, "ptal_avg_2014"),
    "greenSpace": (data.BOROUGHS, "greenspace_pct_2005"),
    "priceGrowth": (data.HOUSE_PRICES, "change_5y_pct"),
}
LOWER_IS_BETTER: set[Factor] = {"safety"}

UNITS: dict[Factor, str] = {
    "commute": "minutes",
    "safety": "crimes per 1,000 residents",
    "schools": "% of pupils with 5+ GCSEs A*-C",
    "transport": "PTAL (0-8)",
    "greenSpace": "% of area",
    "priceGrowth": "% over 5 years",
}

COMMUTE_BEST_MINUTES = 10   # this short or shorter scores 1
COMMUTE_WORST_MINUTES = 90  # this long or longer scores 0


def _spread(table: dict[str, Row], column: str) -> tuple[float, float]:
    values = [row[column] for row in table.values() if row[column] is not None]
    return min(values), max(values)


SPREADS = {factor: _spread(*source) for factor, source in SPREAD_COLUMNS.items()}


def normalise(factor: Factor, value: float) -> float:
    low, high = SPREADS[factor]
    if high == low:
        return 1.0
    share = (value - low) / (high - low)
    return 1.0 - share if factor in LOWER_IS_BETTER else share


def commute_score(minutes: float) -> float:
    span = COMMUTE_WORST_MINUTES - COMMUTE_BEST_MINUTES
    return min(1.0, max(0.0, 1.0 - (minutes - COMMUTE_BEST_MINUTES) / span))


def price_of(code: str, location_type: LocationType, size: Size | None) -> int | None:
    if location_type == "buy":
        return data.HOUSE_PRICES[code]["avg_price_latest"]
    return data.RENTS[code][f"median_{size}"]


def _raw_values(code: str, price: int, journey: Journey) -> dict[Factor, float | None]:
    table: dict[Factor, float | None] = {factor: source[code][column] for factor, (source, column) in SPREAD_COLUMNS.items()}
    table["affordability"] = price
    table["commute"] = journey[0] if journey else None
    return table


def _factor_scores(raw: dict[Factor, float | None], budget: float) -> dict[Factor, float | None]:
    scores: dict[Factor, float | None] = {}
    for factor, value in raw.items():
        if value is None:
            scores[factor] = None
        elif factor == "affordability":
            scores[factor] = 1.0 - value / budget
        elif factor == "commute":
            scores[factor] = commute_score(value)
        else:
            scores[factor] = normalise(factor, value)
    return scores


def _tenths(shares: dict[Factor, float], total: float) -> dict[Factor, float]:
    """Rounds each share to 0.1 so that they add up to `total` rounded to 0.1 (largest remainder)."""
    target = round(total * 10)
    floors = {k: math.floor(v * 10) for k, v in shares.items()}
    spare = target - sum(floors.values())
    for k in sorted(shares, key=lambda k: (floors[k] - shares[k] * 10, k))[:max(spare, 0)]:
        floors[k] += 1
    return {k: v / 10 for k, v in floors.items()}


def _score(code: str, price: int, journey: Journey, budget: float, weights: Weights,
           location_type: LocationType) -> tuple[float, list[FactorScore]]:
    raw = _raw_values(code, price, journey)
    scores = _factor_scores(raw, budget)
    active = [f for f in FACTORS if weights[f] > 0]
    counted = {f: score for f in active if (score := scores[f]) is not None}  # the factors with a figure
    weight_sum = sum(weights[f] for f in counted)
    shares = {f: 100 * weights[f] * score / weight_sum for f, score in counted.items()} if weight_sum else {}
    total = sum(shares.values())
    contributions = _tenths(shares, total)
    breakdown: list[FactorScore] = [{
        "factor": f,
        "weight": weights[f],
        "rawValue": None if raw[f] is None else float(raw[f]),
        "unit": ("GBP" if location_type == "buy" else "GBP/month") if f == "affordability" else UNITS[f],
        "score": None if scores[f] is None else round(scores[f], 4),
        "contribution": contributions.get(f, 0.0),
        "missing": scores[f] is None,
    } for f in active]
    # The same rounding as _tenths, so that the contributions add up to the score exactly.
    return round(total * 10) / 10, breakdown


def _reason(code: ExclusionCode, message: str, value: float | None = None,
            limit: float | None = None) -> ExclusionReason:
    return {"code": code, "message": message,
            "value": None if value is None else float(value),
            "limit": None if limit is None else float(limit)}


def _exclusion(price: int | None, journey: Journey, req: RecommendQuery, what: str) -> ExclusionReason | None:
    """The first reason that keeps an area out of the ranking, or None."""
    if price is None:
        return _reason("NO_PRICE_DATA", f"the data has no {what} for this borough")
    if price > req["budget"]:
        return _reason("OVER_BUDGET", f"{what} of £{price:,} is over the budget of £{req['budget']:,}",
                       price, req["budget"])
    if req["commuteTo"] is not None:
        if journey is None:
            return _reason("NO_ROUTE", "no tube route to the destination")
        max_minutes = req["maxCommuteMinutes"]
        if max_minutes is not None and journey[0] > max_minutes:
            return _reason("OVER_MAX_COMMUTE", f"commute of {journey[0]} minutes is over {max_minutes}",
                           journey[0], max_minutes)
    return None


def recommend(req: RecommendQuery) -> RecommendResult:
    """The ranking for a checked request (see RecommendQuery: size is None when buying)."""
    persona = PERSONAS[req["persona"]]
    weights: Weights = {**persona["weights"], **(req["weights"] or {})}
    buying = req["locationType"] == "buy"
    what = "average price" if buying else f"median {req['size']} rent"
    ranked: list[Ranked] = []
    excluded = []
    for code in data.AREA_CODES:
        name = data.BOROUGHS[code]["name"]
        price = price_of(code, req["locationType"], req["size"])
        journey = (commute.minutes_and_changes(code, req["commuteTo"])
                   if req["commuteTo"] is not None else None)
        reason = _exclusion(price, journey, req, what)
        if reason:
            excluded.append({"code": code, "name": name, "reason": reason})
            continue
        score, breakdown = _score(code, price, journey, req["budget"], weights, req["locationType"])
        ranked.append({
            "rank": 0,  # numbered once sorted
            "code": code, "name": name, "score": score, "price": int(price),
            "commute": {"minutes": journey[0], "changes": journey[1]} if journey else None,
            "breakdown": breakdown,
        })
    ranked.sort(key=lambda r: (-r["score"], r["price"], r["code"]))
    for i, r in enumerate(ranked, start=1):
        r["rank"] = i
    results = ranked[:req["limit"]] if req["limit"] else ranked
    return {
        "persona": req["persona"],
        "locationType": req["locationType"],
        "size": req["size"],
        "budget": req["budget"],
        "commuteTo": req["commuteTo"],
        "maxCommuteMinutes": req["maxCommuteMinutes"],
        "weights": weights,
        "total": len(ranked),
        "results": results,
        "excluded": excluded,
    }
