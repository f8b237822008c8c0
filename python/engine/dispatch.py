"""HTTP semantics shared by both adapters: route lookup, body limit, JSON parsing, error answers.

An adapter builds one Dispatcher over a route table (handlers.routes), hands over (method, path, raw body)
and writes back (status, headers, body bytes).
"""
import json
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from engine.contract import ErrorCode
from engine.validation import ApiError

MAX_BODY_BYTES = 1024 * 1024
JSON_TYPE = "application/json"

# A handler takes the request's JSON object (checked by the handler itself) and answers a JSON object.
Handler = Callable[[Any], Mapping[str, object]]
Routes = dict[tuple[str, str], Handler]   # (method, path) -> handler
Payload = Mapping[str, object]
Headers = list[tuple[str, str]]


def _error(status: int, code: ErrorCode, message: str, field: str | None = None) -> tuple[int, Payload]:
    return status, ApiError(code, message, field, status).body()


def encode(payload: Payload) -> bytes:
    # allow_nan=False: NaN is not JSON, and a figure must never leave as one.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def too_large() -> tuple[int, Payload]:
    return _error(413, "PAYLOAD_TOO_LARGE", f"the body is over {MAX_BODY_BYTES} bytes")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_body(method: str, raw: bytes) -> dict[str, Any]:
    """The request object: {} for GET or an empty body; raises ApiError BAD_JSON otherwise."""
    if method == "GET" or not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise ApiError("BAD_JSON", f"the body is not JSON: {error}")
    if not isinstance(body, dict):
        raise ApiError("BAD_JSON", "the body must be a JSON object")
    return body


def run(handler: Handler, method: str, raw: bytes) -> tuple[int, Payload]:
    """(status, payload) of a routed request. A bug answers a generic 500; its traceback goes to stderr."""
    if len(raw) > MAX_BODY_BYTES:
        return too_large()
    try:
        return 200, handler(parse_body(method, raw))
    except ApiError as error:
        return error.status, error.body()
    except Exception:
        traceback.print_exc(file=sys.stderr)
        return _error(500, "INTERNAL", "internal error")


class Dispatcher:
    """The parts of the HTTP semantics that depend on the route table: 404, 405 and its Allow header."""

    def __init__(self, routes: Routes):
        self.routes = routes

    def allowed_methods(self, path: str) -> list[str]:
        return sorted({m for m, p in self.routes if p == path})

    def route(self, method: str, path: str) -> tuple[Handler | None, tuple[int, Payload] | None]:
        """(handler, None) for a known route, else (None, (status, payload)) for 404 or 405."""
        path = path.split("?", 1)[0]
        handler = self.routes.get((method, path))
        if handler is not None:
            return handler, None
        allowed = self.allowed_methods(path)
        if not allowed:
            return None, _error(404, "NOT_FOUND", f"no route {path}")
        return None, _error(405, "METHOD_NOT_ALLOWED", f"{path} takes {', '.join(allowed)}, not {method}")

    def respond(self, status: int, payload: Payload, path: str = "") -> tuple[int, Headers, bytes]:
        """(status, headers, body bytes), headers as (name, value) strings."""
        try:
            body = encode(payload)
        except (TypeError, ValueError):
            traceback.print_exc(file=sys.stderr)
            status, body = 500, encode(ApiError("INTERNAL", "internal error", status=500).body())
        headers = [("Content-Type", JSON_TYPE), ("Content-Length", str(len(body)))]
        if status == 405:
            headers.append(("Allow", ", ".join(self.allowed_methods(path.split("?", 1)[0]))))
        return status, headers, body

    def dispatch(self, method: str, path: str, raw: bytes) -> tuple[int, Headers, bytes]:
        """The whole request in one call: (status, headers, body bytes)."""
        handler, refusal = self.route(method, path)
        status, payload = refusal if refusal else run(handler, method, raw)
        return self.respond(status, payload, path)
