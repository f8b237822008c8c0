"""Request checks that answer the contract's 400 error shape: {"error": {code, message, field}}.

`field` is the dotted path of the offending value (e.g. "pairs.3.to"). A JSON null counts as absent.
Booleans are refused where numbers are expected (in Python, True is an int), and so are NaN and Infinity.
"""
import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from engine.contract import ErrorAnswer, ErrorCode, ExplanationContext
from engine.enums import LOCATION_TYPES, PERSONA_IDS, SIZES, LocationType, PersonaId, Size

T = TypeVar("T", bound=str)

MAX_CODES = 500
MAX_STATION_IDS = 500
MAX_PAIRS = 1000
MAX_EXPLANATIONS = 100
MAX_SEARCH_CHARS = 100
MAX_BUDGET = 100_000_000
MAX_COMMUTE_MINUTES = 300
MAX_WEIGHT = 100


class ApiError(Exception):
    def __init__(self, code: ErrorCode, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status

    def body(self) -> ErrorAnswer:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


def path(parent: str, key: str | int) -> str:
    return str(key) if not parent else f"{parent}.{key}"


def fields(body: object, parent: str, allowed: Iterable[str],
           required: Iterable[str] = ()) -> dict[str, Any]:
    """Refuses unknown keys and absent required ones; returns the object without its null values."""
    if not isinstance(body, dict):
        raise ApiError("INVALID_TYPE", "expected an object", parent or None)
    for key in body:
        if key not in allowed:
            raise ApiError("UNKNOWN_FIELD", f"unknown field '{key}'", path(parent, key))
    present = {k: v for k, v in body.items() if v is not None}
    for key in required:
        if key not in present:
            raise ApiError("MISSING_FIELD", f"'{key}' is required", path(parent, key))
    return present


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number(value: Any, field: str, low: float, high: float, low_open: bool = False) -> float:
    if not is_number(value):
        raise ApiError("INVALID_TYPE", "expected a number", field)
    if not math.isfinite(value):
        raise ApiError("INVALID_VALUE", "must be a finite number", field)
    too_low = value <= low if low_open else value < low
    if too_low or value > high:
        bound = f"> {low}" if low_open else f">= {low}"
        raise ApiError("INVALID_VALUE", f"must be {bound} and <= {high:,}", field)
    return value


def integer(value: Any, field: str, low: int | None = None, high: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError("INVALID_TYPE", "expected an integer", field)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ApiError("INVALID_VALUE", f"must be between {low} and {high}", field)
    return value


def string(value: Any, field: str, max_chars: int | None = None) -> str:
    if not isinstance(value, str):
        raise ApiError("INVALID_TYPE", "expected a string", field)
    if max_chars is not None and len(value) > max_chars:
        raise ApiError("INVALID_VALUE", f"at most {max_chars} characters", field)
    return value


def choice(value: Any, field: str, values: tuple[T, ...], code: ErrorCode = "INVALID_VALUE") -> T:
    string(value, field)
    if value not in values:
        raise ApiError(code, f"must be one of {', '.join(values)}", field)
    return cast(T, value)  # one of `values`, checked just above


def persona(value: Any, field: str) -> PersonaId:
    return choice(value, field, PERSONA_IDS, code="UNKNOWN_PERSONA")


def array(value: Any, field: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise ApiError("INVALID_TYPE", "expected an array", field)
    if len(value) > limit:
        raise ApiError("BATCH_TOO_LARGE", f"at most {limit} items (got {len(value)})", field)
    return value


def strings(value: Any, field: str, limit: int) -> list[str]:
    return [string(v, path(field, i)) for i, v in enumerate(array(value, field, limit))]


def integers(value: Any, field: str, limit: int) -> list[int]:
    return [integer(v, path(field, i)) for i, v in enumerate(array(value, field, limit))]


def budget(value: Any, field: str) -> float:
    return number(value, field, 0, MAX_BUDGET, low_open=True)


def location_type(value: Any, field: str) -> LocationType:
    return choice(value, field, LOCATION_TYPES)


def size(value: Any, field: str) -> Size:
    return choice(value, field, SIZES)


def canonical_number(value: float) -> float:
    """600.0 and 600 are the same budget, so they must give the same job id."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def explanation_context(value: Any, field: str, known_station: Callable[[int], bool]) -> ExplanationContext:
    """The optional `context` of an explanation request, without null values."""
    if value is None:
        return {}
    ctx = fields(value, field, ("budget", "locationType", "size", "commuteTo"))
    out: ExplanationContext = {}
    if "budget" in ctx:
        out["budget"] = canonical_number(budget(ctx["budget"], path(field, "budget")))
    if "locationType" in ctx:
        out["locationType"] = location_type(ctx["locationType"], path(field, "locationType"))
    if "size" in ctx:
        out["size"] = size(ctx["size"], path(field, "size"))
    if "commuteTo" in ctx:
        out["commuteTo"] = integer(ctx["commuteTo"], path(field, "commuteTo"))
        if not known_station(out["commuteTo"]):
            raise ApiError("INVALID_VALUE", "unknown station id", path(field, "commuteTo"))
    return out
