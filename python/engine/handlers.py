"""One function per endpoint: a request dict in, an answer dict out (the types are in contract.py).

`routes(jobs)` is the table both adapters (serve.py and modal_app.py) dispatch through; each adapter
passes its own explanation job backend. Every answer carries `version` and `dataVersion`. Answers may
share the engine's precomputed dicts: serialise, don't mutate.
"""
from engine import VERSION, areas, commute, data, recommend as ranking, validation as v
from engine.contract import (AreasAnswer, CodesRequest, CommuteAnswer, CommuteRequest, CrimeAnswer,
                             ExplanationsRequest, HealthAnswer, JobsAnswer, NoFields, PersonasAnswer,
                             RecommendAnswer, RecommendRequest, SchoolsAnswer, StationsAnswer, StationsRequest,
                             StatusRequest, Versioned)
from engine.dispatch import Routes
from engine.enums import FACTORS
from engine.explanations import JobBackend, Question
from engine.personas import PERSONAS

VERSIONS: Versioned = {"version": VERSION, "dataVersion": data.DATA_VERSION}


def _known_station(station_id: int) -> bool:
    return station_id in data.STATIONS


def health(body: NoFields) -> HealthAnswer:
    v.fields(body, "", ())
    return {"status": "ok", "areas": len(data.BOROUGHS), "stations": len(data.STATIONS), **VERSIONS}


def personas(body: NoFields) -> PersonasAnswer:
    v.fields(body, "", ())
    return {"personas": list(PERSONAS.values()), **VERSIONS}


def area_list(body: CodesRequest) -> AreasAnswer:
    req = v.fields(body, "", ("codes",))
    if "codes" not in req:
        return {"areas": [areas.AREAS[c] for c in data.AREA_CODES], **VERSIONS}
    codes = v.strings(req["codes"], "codes", v.MAX_CODES)
    return {"areas": [areas.AREAS.get(c) for c in codes], **VERSIONS}


def crime(body: CodesRequest) -> CrimeAnswer:
    req = v.fields(body, "", ("codes",), required=("codes",))
    codes = v.strings(req["codes"], "codes", v.MAX_CODES)
    return {"crime": [areas.CRIME.get(c) for c in codes], **VERSIONS}


def schools(body: CodesRequest) -> SchoolsAnswer:
    req = v.fields(body, "", ("codes",), required=("codes",))
    codes = v.strings(req["codes"], "codes", v.MAX_CODES)
    return {"schools": [areas.SCHOOLS.get(c) for c in codes], **VERSIONS}


def commutes(body: CommuteRequest) -> CommuteAnswer:
    req = v.fields(body, "", ("pairs",), required=("pairs",))
    pairs = v.array(req["pairs"], "pairs", v.MAX_PAIRS)
    answers = []
    for i, pair in enumerate(pairs):
        field = f"pairs.{i}"
        p = v.fields(pair, field, ("from", "to"), required=("from", "to"))
        code = v.string(p["from"], f"{field}.from")
        station = v.integer(p["to"], f"{field}.to")
        answers.append((code, station))
    return {"commutes": [commute.commute(code, station) for code, station in answers], **VERSIONS}


def stations(body: StationsRequest) -> StationsAnswer:
    req = v.fields(body, "", ("search", "ids"))
    if "ids" in req:
        ids = v.integers(req["ids"], "ids", v.MAX_STATION_IDS)
        return {"stations": [areas.STATIONS.get(i) for i in ids], **VERSIONS}
    search = v.string(req.get("search", ""), "search", v.MAX_SEARCH_CHARS).strip().lower()
    return {"stations": [s for s in areas.STATIONS_BY_NAME if search in s["name"].lower()], **VERSIONS}


def recommend(body: RecommendRequest) -> RecommendAnswer:
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
    return {**ranking.recommend({
        "persona": persona, "budget": budget, "locationType": location_type,
        "size": None if location_type == "buy" else size, "commuteTo": commute_to,
        "maxCommuteMinutes": max_minutes, "weights": weights, "limit": limit,
    }), **VERSIONS}


def submit_explanations(body: ExplanationsRequest, jobs: JobBackend) -> JobsAnswer:
    req = v.fields(body, "", ("requests",), required=("requests",))
    items = v.array(req["requests"], "requests", v.MAX_EXPLANATIONS)
    questions: list[Question] = []
    for i, item in enumerate(items):
        field = f"requests.{i}"
        r = v.fields(item, field, ("areaCode", "persona", "context"), required=("areaCode", "persona"))
        code = v.string(r["areaCode"], f"{field}.areaCode")
        persona = v.persona(r["persona"], f"{field}.persona")
        ctx = v.explanation_context(r.get("context"), f"{field}.context", _known_station)
        questions.append((code, persona, ctx))
    # An unknown borough answers null. The rest start together, each answered with the whole job as
    # /explanations/status gives it, so a client needs no second call to show it.
    started = iter(jobs.submit_many([q for q in questions if q[0] in data.BOROUGHS]))
    return {"jobs": [next(started) if q[0] in data.BOROUGHS else None for q in questions], **VERSIONS}


def explanation_status(body: StatusRequest, jobs: JobBackend) -> JobsAnswer:
    req = v.fields(body, "", ("ids", "rebuild"), required=("ids",))
    ids = v.strings(req["ids"], "ids", v.MAX_EXPLANATIONS)
    # Ids are public in format, so only a caller that vouches for them (it charged their start) may have an
    # unknown one started again; by default an id this engine does not hold answers null.
    rebuild = req.get("rebuild", False)
    if not isinstance(rebuild, bool):
        raise v.ApiError("INVALID_TYPE", "expected a boolean", "rebuild")
    return {"jobs": jobs.status_many(ids, rebuild=rebuild), **VERSIONS}


def routes(jobs: JobBackend) -> Routes:
    """(method, path) -> handler, with the explanation routes bound to `jobs`: a JobStore in serve.py,
    Modal's spawn() in modal_app.py."""
    return {
        ("GET", "/health"): health,
        ("GET", "/personas"): personas,
        ("POST", "/personas"): personas,
        ("POST", "/areas"): area_list,
        ("POST", "/crime"): crime,
        ("POST", "/schools"): schools,
        ("POST", "/commute"): commutes,
        ("POST", "/stations"): stations,
        ("POST", "/recommend"): recommend,
        ("POST", "/explanations"): lambda body: submit_explanations(body, jobs),
        ("POST", "/explanations/status"): lambda body: explanation_status(body, jobs),
    }
