"""The grounded explanation text: sentences built from the area's own figures, naming each number.

The same facts are what the LLM is given, so a model answer can only restate them.
"""
from engine import areas, commute, data
from engine.contract import ExplanationContext
from engine.enums import Factor, LocationType, PersonaId, Size
from engine.personas import PERSONAS

SIZE_LABELS: dict[Size, str] = {"room": "room", "studio": "studio flat", "1bed": "one-bedroom home", "2bed": "two-bedroom home",
               "3bed": "three-bedroom home", "4plus": "home with four or more bedrooms"}


def _money(value: float) -> str:
    return f"£{value:,.0f}"


def _pct(value: float) -> str:
    return f"{value:+.1f}%"


def _price_fact(code: str, name: str, ctx: ExplanationContext, location_type: LocationType, size: Size) -> str:
    budget = ctx.get("budget")
    if location_type == "buy":
        h = data.HOUSE_PRICES[code]
        text = f"The average house price in {name} is {_money(h['avg_price_latest'])} (UK HPI, {h['latest_month']})"
        price = h["avg_price_latest"]
    else:
        price = data.RENTS[code][f"median_{size}"]
        if price is None:
            return (f"The VOA rent data (April 2018 to March 2019) has no median rent for a {SIZE_LABELS[size]} "
                    f"in {name}: too few rents were recorded to publish one.")
        text = (f"The median rent for a {SIZE_LABELS[size]} in {name} is {_money(price)} a month "
                f"(VOA, April 2018 to March 2019)")
    if budget is None:
        return text + "."
    gap = budget - price
    if gap == 0:
        return text + f", exactly your budget of {_money(budget)}."
    if gap > 0:
        return text + f", {_money(gap)} under your budget of {_money(budget)}."
    return text + f", {_money(-gap)} over your budget of {_money(budget)}."


def _commute_fact(code: str, station_id: int) -> str | None:
    route = commute.commute(code, station_id)
    if route is None:
        return None
    target = route["stations"][-1]["name"] if route["stations"] else data.STATIONS[station_id]["name"]
    changes = "no change" if route["changes"] == 0 else f"{route['changes']} change" + ("s" if route["changes"] > 1 else "")
    text = f"The fastest tube journey to {target} takes about {route['minutes']} minutes with {changes}"
    if route["accessMinutes"]:
        text += (f", including an estimated {route['accessMinutes']}-minute bus leg to "
                 f"{route['originStation']['name']}, as the borough has no station in this tube network")
    return text + "."


def _factor_fact(factor: Factor, code: str, name: str) -> str | None:
    b = data.BOROUGHS[code]
    if factor == "safety":
        crime = areas.CRIME[code]
        if crime["ratePer1000"] is None:
            return f"No crime rate is published for {name} in this data."
        ranked = len(areas.CRIME) - sum(1 for c in areas.CRIME.values() if c["rank"] is None)
        return (f"Recorded crime was {crime['ratePer1000']:g} offences per 1,000 residents in 2014/15, "
                f"rank {crime['rank']} of {ranked} boroughs (1 = lowest).")
    if factor == "schools":
        school = areas.SCHOOLS[code]
        if school["gcse5acPct"] is None:
            return f"No GCSE results are published for {name} in this data."
        ranked = len(areas.SCHOOLS) - sum(1 for s in areas.SCHOOLS.values() if s["rank"] is None)
        return (f"{school['gcse5acPct']:g}% of pupils got five or more GCSEs at A*-C including English and maths "
                f"in 2013/14, rank {school['rank']} of {ranked} boroughs (1 = highest).")
    if factor == "transport":
        if b["ptal_avg_2014"] is None:
            return f"No public transport access score is published for {name} in this data."
        stations = areas.AREAS[code]["transport"]["stationCount"]
        where = f"{stations} tube stations" if stations != 1 else "1 tube station"
        if stations == 0:
            near = areas.AREAS[code]["transport"]["nearestStation"]
            where = f"no tube station; the nearest is {near['name']}, {near['distanceKm']:g} km from its centre"
        return f"Public transport access (PTAL, 2014) averages {b['ptal_avg_2014']:g} on a 0 to 8 scale, with {where}."
    if factor == "greenSpace":
        if b["greenspace_pct_2005"] is None:
            return f"No green space share is published for {name} in this data."
        return f"Green space covers {b['greenspace_pct_2005']:g}% of the borough (2005)."
    if factor == "priceGrowth":
        h = data.HOUSE_PRICES[code]
        if h["change_5y_pct"] is None:
            return f"No price change is published for {name} in this data."
        return (f"Average prices changed by {_pct(h['change_5y_pct'])} over five years and "
                f"{_pct(h['change_1y_pct'])} over the last year (UK HPI to {h['latest_month']}).")
    return None


def facts(area_code: str, persona_id: PersonaId, ctx: ExplanationContext) -> list[str]:
    """The sentences of the explanation, most important first for this persona."""
    persona = PERSONAS[persona_id]
    name = data.BOROUGHS[area_code]["name"]
    location_type = ctx.get("locationType", persona["defaultLocationType"])
    size = ctx.get("size", persona["defaultSize"])
    inner = data.BOROUGHS[area_code]["inner_outer"]
    out: list[str | None] = [f"{name} is an {inner} London borough, seen here for a {persona['name'].lower()} "
                             f"who wants to {location_type}."]
    out.append(_price_fact(area_code, name, ctx, location_type, size))
    if ctx.get("commuteTo") is not None:
        out.append(_commute_fact(area_code, ctx["commuteTo"]))
    weights = persona["weights"]
    order = sorted((f for f in weights if weights[f] > 0 and f not in ("affordability", "commute")),
                   key=lambda f: -weights[f])
    out.extend(_factor_fact(f, area_code, name) for f in order)
    out.append("Most figures are several years old, so read them as a comparison between boroughs.")
    return [s for s in out if s]


def text(area_code: str, persona_id: PersonaId, ctx: ExplanationContext) -> str:
    return " ".join(facts(area_code, persona_id, ctx))
