"""HTTP semantics shared by both adapters: route lookup, body limit, JSON parsing, error answers.

An adapter hands over (method, path, raw body) and writes back (status, headers, body bytes).
"""
import json
import sys
import traceback

from engine import handlers
from engine.validation import ApiError

MAX_BODY_BYTES = 1024 * 1024
JSON_TYPE = "application/json"


def _error(status, code, message, field=None):
    return status, ApiError(code, message, field, status).body()


def encode(payload):
    # allow_nan=False: NaN is not JSON, and a figure must never leave as one.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def allowed_methods(path):
    return sorted({m for m, p in handlers.ROUTES if p == path})


def route(method, path):
    """(handler, None) for a known route, else (None, (status, payload)) for 404 or 405."""
    path = path.split("?", 1)[0]
    handler = handlers.ROUTES.get((method, path))
    if handler is not None:
        return handler, None
    allowed = allowed_methods(path)
    if not allowed:
        return None, _error(404, "NOT_FOUND", f"no route {path}")
    return None, _error(405, "METHOD_NOT_ALLOWED", f"{path} takes {', '.join(allowed)}, not {method}")


def too_large():
    return _error(413, "PAYLOAD_TOO_LARGE", f"the body is over {MAX_BODY_BYTES} bytes")


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_body(method, raw):
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


def run(handler, method, raw):
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


def respond(status, payload, path=""):
    """(status, headers, body bytes), headers as (name, value) strings."""
    try:
        body = encode(payload)
    except (TypeError, ValueError):
        traceback.print_exc(file=sys.stderr)
        status, body = 500, encode(ApiError("INTERNAL", "internal error", status=500).body())
    headers = [("Content-Type", JSON_TYPE), ("Content-Length", str(len(body)))]
    if status == 405:
        headers.append(("Allow", ", ".join(allowed_methods(path.split("?", 1)[0]))))
    return status, headers, body


def dispatch(method, path, raw):
    """The whole request in one call: (status, headers, body bytes)."""
    handler, refusal = route(method, path)
    status, payload = refusal if refusal else run(handler, method, raw)
    return respond(status, payload, path)
