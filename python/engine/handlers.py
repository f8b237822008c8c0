"""One function per endpoint: a request dict in, an answer dict out.

ROUTES is the table both adapters (serve.py and modal_app.py) dispatch through. Every answer carries
`version` and `dataVersion`. Answers may share the engine's precomputed dicts: serialise, don't mutate.
"""
import threading

from engine import VERSION, areas, commute, data, explanations, recommend as ranking, validation as v
from engine.enums import FACTORS
from engine.personas import PERSONAS

_jobs = None
_jobs_lock = threading.Lock()


def use_jobs(backend):
    """Swaps the explanation job backend (Modal uses spawn(); None goes back to the local pool)."""
    global _jobs
    _jobs = backend


def jobs():
    global _jobs
    with _jobs_lock:  # two first requests at once must not make two pools
        if _jobs is None:
            _jobs = explanations.JobStore()
        return _jobs


def shutdown_jobs():
    if _jobs is not None and hasattr(_jobs, "shutdown"):
        _jobs.shutdown()


def _answer(**fields):
    return {**fields, "version": VERSION, "dataVersion": data.DATA_VERSION}


def _known_station(station_id):
    return station_id in data.STATIONS


def health(body):
    v.fields(body, "", ())
    return _answer(status="ok", areas=len(data.BOROUGHS), stations=len(data.STATIONS))


def personas(body):
    v.fields(body, "", ())
    return _answer(personas=list(PERSONAS.values()))


def area_list(body):
    req = v.fields(body, "", ("codes",))
    if "codes" not in req:
        return _answer(areas=[areas.AREAS[c] for c in data.AREA_CODES])
    codes = v.strings(req["codes"], "codes", v.MAX_CODES)
    return _answer(areas=[areas.AREAS.get(c) for c in codes])


def crime(body):
    req = v.fields(body, "", ("codes",), required=("codes",))
    codes = v.strings(req["codes"], "codes", v.MAX_CODES)
    return _answer(crime=[areas.CRIME.get(c) for c in codes])


def schools(body):
    req = v.fields(body, "", ("codes",), required=("codes",))
    codes = v.strings(req["codes"], "codes", v.MAX_CODES)
    return _answer(schools=[areas.SCHOOLS.get(c) for c in codes])


def commutes(body):
    req = v.fields(body, "", ("pairs",), required=("pairs",))
    pairs = v.array(req["pairs"], "pairs", v.MAX_PAIRS)
    answers = []
    for i, pair in enumerate(pairs):
        field = f"pairs.{i}"
        p = v.fields(pair, field, ("from", "to"), required=("from", "to"))
        code = v.string(p["from"], f"{field}.from")
        station = v.integer(p["to"], f"{field}.to")
        answers.append((code, station))
    return _answer(commutes=[commute.commute(code, station) for code, station in answers])


def stations(body):
    req = v.fields(body, "", ("search", "ids"))
    if "ids" in req:
        ids = v.integers(req["ids"], "ids", v.MAX_STATION_IDS)
        return _answer(stations=[areas.STATIONS.get(i) for i in ids])
    search = v.string(req.get("search", ""), "search", v.MAX_SEARCH_CHARS).strip().lower()
    return _answer(stations=[s for s in areas.STATIONS_BY_NAME if search in s["name"].lower()])


def recommend(body):
    req = v.fields(body, "", ("persona", "budget", "locationType", "size", "commuteTo", "maxCommuteMinutes",
                              "weights", "limit"), required=("persona", "budget", "locationType"))
    persona = v.persona(req["persona"], "persona")
    budget = v.budget(req["budget"], "budget")
    location_type = v.location_type(req["locationType"], "locationType")
    size = v.size(req["size"], "size") if "size" in req else PERSONAS[persona]["defaultSize"]
    commute_to = None
    if "commuteTo" in req:
        commute_to = v.integer(req["commuteTo"], "commuteTo")
        if not _known_station(commute_to):
            raise v.ApiError("INVALID_VALUE", "unknown station id", "commuteTo")
    max_minutes = None
    if "maxCommuteMinutes" in req:
        max_minutes = v.integer(req["maxCommuteMinutes"], "maxCommuteMinutes", 1, v.MAX_COMMUTE_MINUTES)
        if commute_to is None:
            raise v.ApiError("MISSING_FIELD", "maxCommuteMinutes needs commuteTo", "commuteTo")
    weights = None
    if "weights" in req:
        given = v.fields(req["weights"], "weights", FACTORS)
        weights = {f: v.number(w, f"weights.{f}", 0, v.MAX_WEIGHT) for f, w in given.items()}
    if not any(w > 0 for w in {**PERSONAS[persona]["weights"], **(weights or {})}.values()):
        raise v.ApiError("INVALID_VALUE", "at least one weight must be above 0", "weights")
    limit = v.integer(req["limit"], "limit", 1, len(data.BOROUGHS)) if "limit" in req else None
    return _answer(**ranking.recommend({
        "persona": persona, "budget": budget, "locationType": location_type,
        "size": None if location_type == "buy" else size, "commuteTo": commute_to,
        "maxCommuteMinutes": max_minutes, "weights": weights, "limit": limit,
    }))


def submit_explanations(body):
    req = v.fields(body, "", ("requests",), required=("requests",))
    items = v.array(req["requests"], "requests", v.MAX_EXPLANATIONS)
    questions = []
    for i, item in enumerate(items):
        field = f"requests.{i}"
        r = v.fields(item, field, ("areaCode", "persona", "context"), required=("areaCode", "persona"))
        code = v.string(r["areaCode"], f"{field}.areaCode")
        persona = v.persona(r["persona"], f"{field}.persona")
        ctx = v.explanation_context(r.get("context"), f"{field}.context", _known_station)
        questions.append((code, persona, ctx))
    answers = []
    for code, persona, ctx in questions:
        if code not in data.BOROUGHS:
            answers.append(None)
            continue
        # The whole job, as /explanations/status answers it, so a client needs no second call to show it.
        answers.append(jobs().submit(code, persona, ctx))
    return _answer(jobs=answers)


def explanation_status(body):
    req = v.fields(body, "", ("ids", "rebuild"), required=("ids",))
    ids = v.strings(req["ids"], "ids", v.MAX_EXPLANATIONS)
    # Ids are public in format, so only a caller that vouches for them (it charged their start) may have an
    # unknown one started again; by default an id this engine does not hold answers null.
    rebuild = req.get("rebuild", False)
    if not isinstance(rebuild, bool):
        raise v.ApiError("INVALID_TYPE", "expected a boolean", "rebuild")
    return _answer(jobs=[jobs().status(jid, rebuild=rebuild) for jid in ids])


ROUTES = {
    ("GET", "/health"): health,
    ("GET", "/personas"): personas,
    ("POST", "/personas"): personas,
    ("POST", "/areas"): area_list,
    ("POST", "/crime"): crime,
    ("POST", "/schools"): schools,
    ("POST", "/commute"): commutes,
    ("POST", "/stations"): stations,
    ("POST", "/recommend"): recommend,
    ("POST", "/explanations"): submit_explanations,
    ("POST", "/explanations/status"): explanation_status,
}
