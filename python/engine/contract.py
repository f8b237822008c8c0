"""The dictionaries of the HTTP contract (python/README.md) as TypedDicts: what each route takes and answers.

A request type says what a client may send, not what arrived: a body is whatever JSON came in, so the
handlers check every field at run time (validation.py) before trusting it. A JSON null is None, and a
request field that may be left out is NotRequired (null counts as absent). Answers are built by the engine
and always hold every key. The types with a key that is a Python keyword ("from") use the functional syntax.
"""
from typing import Literal, NotRequired, TypedDict

from engine.enums import ExplanationSource, Factor, JobStatus, LocationType, PersonaId, Size

ErrorCode = Literal["BAD_JSON", "INVALID_TYPE", "MISSING_FIELD", "UNKNOWN_FIELD", "INVALID_VALUE",
                    "UNKNOWN_PERSONA", "BATCH_TOO_LARGE", "NOT_FOUND", "METHOD_NOT_ALLOWED",
                    "PAYLOAD_TOO_LARGE", "INTERNAL"]
ExclusionCode = Literal["NO_PRICE_DATA", "OVER_BUDGET", "OVER_MAX_COMMUTE", "NO_ROUTE"]

# A factor -> weight map. A persona's defaults and an answer's effective weights name all seven factors;
# a request's override names any of them.
Weights = dict[Factor, float]


# --- errors ---------------------------------------------------------------------------------------------

class ErrorDetail(TypedDict):
    code: ErrorCode
    message: str
    field: str | None        # the dotted path of the offending field, e.g. "pairs.3.to"


class ErrorAnswer(TypedDict):
    error: ErrorDetail


# --- shared pieces --------------------------------------------------------------------------------------

class Versioned(TypedDict):
    """Carried by every successful answer."""
    version: str
    dataVersion: str


class NoFields(TypedDict):
    """The body of a route that takes no field: {} (or no body at all)."""


class StationRef(TypedDict):
    id: int
    name: str


class LineRef(TypedDict):
    id: int
    name: str
    colour: str


# --- GET /health, /personas -----------------------------------------------------------------------------

class HealthAnswer(Versioned):
    status: Literal["ok"]
    areas: int
    stations: int


class Persona(TypedDict):
    id: PersonaId
    name: str
    description: str
    defaultSize: Size
    defaultLocationType: LocationType
    weights: Weights


class PersonasAnswer(Versioned):
    personas: list[Persona]


# --- POST /areas ----------------------------------------------------------------------------------------

class CodesRequest(TypedDict):
    """/areas (codes optional: every area) and /crime, /schools (codes required)."""
    codes: NotRequired[list[str] | None]


class Centroid(TypedDict):
    lat: float
    lon: float


class Rent(TypedDict):
    size: Size
    median: int | None       # null when the VOA suppressed the figure
    mean: int | None
    lowerQuartile: int | None
    upperQuartile: int | None
    count: int | None


class Housing(TypedDict):
    rentPeriod: str          # "2018-04_to_2019-03"
    rents: list[Rent]        # always the six sizes, in enum order
    medianRentAll: int | None
    averagePrice: int | None
    averagePriceMonth: str   # "2024-10"
    priceChange1yPct: float | None
    priceChange5yPct: float | None
    medianHousePrice2015: int | None
    privateRentPct: float | None
    ownedPct: float | None   # outright + mortgage (2014)


class Environment(TypedDict):
    greenspacePct: float | None
    carbonEmissionsKt: float | None
    recyclingRatePct: float | None
    carsPerHousehold: float | None
    cyclingPct: float | None


class NearestStation(TypedDict):
    id: int
    name: str
    distanceKm: float


class Transport(TypedDict):
    ptal: float | None       # average PTAL 2014, 0 (worst) .. 8
    stationCount: int
    stations: list[StationRef]
    lines: list[LineRef]
    nearestStation: NearestStation


class Area(TypedDict):
    code: str
    name: str
    innerOuter: Literal["inner", "outer"]
    centroid: Centroid
    population: int | None
    households: int | None
    areaHectares: int | None
    densityPerHectare: float | None
    averageAge: float | None
    housing: Housing
    environment: Environment
    transport: Transport


class AreasAnswer(Versioned):
    areas: list[Area | None]


# --- POST /crime, /schools ------------------------------------------------------------------------------

class Crime(TypedDict):
    code: str
    period: str              # "2014/15"
    ratePer1000: float | None
    rank: int | None         # 1 = lowest rate
    firesPer1000: float | None
    ambulancePer100: float | None


class CrimeAnswer(Versioned):
    crime: list[Crime | None]


class Schools(TypedDict):
    code: str
    period: str              # "2013/14"
    gcse5acPct: float | None
    rank: int | None         # 1 = highest GCSE share
    pupilsFirstLanguageNotEnglishPct: float | None


class SchoolsAnswer(Versioned):
    schools: list[Schools | None]


# --- POST /commute --------------------------------------------------------------------------------------

CommutePair = TypedDict("CommutePair", {"from": str, "to": int})


class CommuteRequest(TypedDict):
    pairs: list[CommutePair]


Leg = TypedDict("Leg", {"line": LineRef, "from": StationRef, "to": StationRef, "stops": int, "minutes": int})

Commute = TypedDict("Commute", {
    "from": str,             # area code
    "to": int,               # station id
    "minutes": int,          # accessMinutes + rideMinutes + changes * CHANGE_MINUTES
    "rideMinutes": int,
    "accessMinutes": int,
    "changes": int,
    "originStation": StationRef,
    "stations": list[StationRef],
    "lines": list[LineRef],
    "legs": list[Leg],
})


class CommuteAnswer(Versioned):
    commutes: list[Commute | None]


# --- POST /stations -------------------------------------------------------------------------------------

class StationsRequest(TypedDict):
    search: NotRequired[str | None]
    ids: NotRequired[list[int] | None]


class Station(TypedDict):
    id: int
    name: str
    lat: float
    lon: float
    zone: float
    rail: bool
    boroughCode: str | None  # null outside Greater London
    lines: list[LineRef]


class StationsAnswer(Versioned):
    stations: list[Station | None]


# --- POST /recommend ------------------------------------------------------------------------------------

class RecommendRequest(TypedDict):
    persona: PersonaId
    budget: float
    locationType: LocationType
    size: NotRequired[Size | None]
    commuteTo: NotRequired[int | None]
    maxCommuteMinutes: NotRequired[int | None]
    weights: NotRequired[Weights | None]
    limit: NotRequired[int | None]


class RecommendQuery(TypedDict):
    """A checked /recommend request with every key present: size is None when buying, and the persona's
    default when renting without one."""
    persona: PersonaId
    budget: float
    locationType: LocationType
    size: Size | None
    commuteTo: int | None
    maxCommuteMinutes: int | None
    weights: Weights | None  # the override, not yet merged with the persona's defaults
    limit: int | None


class FactorScore(TypedDict):
    factor: Factor
    weight: float
    rawValue: float | None
    unit: str
    score: float | None      # normalised 0..1, 4 decimals
    contribution: float      # share of the area's score, 1 decimal
    missing: bool


class Journey(TypedDict):
    minutes: int
    changes: int


class Ranked(TypedDict):
    rank: int
    code: str
    name: str
    score: float             # 0..100, 1 decimal
    price: int
    commute: Journey | None
    breakdown: list[FactorScore]


class ExclusionReason(TypedDict):
    code: ExclusionCode
    message: str
    value: float | None
    limit: float | None


class Excluded(TypedDict):
    code: str
    name: str
    reason: ExclusionReason


class RecommendResult(TypedDict):
    persona: PersonaId
    locationType: LocationType
    size: Size | None
    budget: float
    commuteTo: int | None
    maxCommuteMinutes: int | None
    weights: Weights         # the effective weights: defaults merged with the override
    total: int
    results: list[Ranked]
    excluded: list[Excluded]


class RecommendAnswer(RecommendResult, Versioned):
    pass


# --- POST /explanations, /explanations/status -----------------------------------------------------------

class ExplanationContext(TypedDict, total=False):
    """The context of a job as its id carries it: null values dropped, an integral budget an integer."""
    budget: float
    locationType: LocationType
    size: Size
    commuteTo: int


class ExplanationContextRequest(TypedDict, total=False):
    budget: float | None
    locationType: LocationType | None
    size: Size | None
    commuteTo: int | None


class ExplanationRequest(TypedDict):
    areaCode: str
    persona: PersonaId
    context: NotRequired[ExplanationContextRequest | None]


class ExplanationsRequest(TypedDict):
    requests: list[ExplanationRequest]


class StatusRequest(TypedDict):
    ids: list[str]
    rebuild: NotRequired[bool | None]


class Job(TypedDict):
    id: str
    status: JobStatus
    areaCode: str
    persona: PersonaId
    context: ExplanationContext
    text: str | None
    source: ExplanationSource | None
    error: str | None
    attempts: int
    createdAt: float         # unix seconds
    finishedAt: float | None


class JobsAnswer(Versioned):
    """The answer of both /explanations and /explanations/status."""
    jobs: list[Job | None]
