"""W3C trace context for the engine's two HTTP adapters: serve.py, and modal_app.py's ASGI app.

A call the BFF makes in a traced request carries `traceparent: 00-<trace id>-<the BFF's span id>-<flags>`.
The engine logs one line for it on stderr (route, status, time taken and the traceparent, so its lines are
found by trace id) and answers with its own timing, `Server-Timing: engine;start=<ms since the epoch>;dur=<ms>`,
which the BFF records as the engine's span under its call (src/modal/engine-span.ts). A call without a valid
traceparent gets neither: untraced answers are exactly what they were.
"""
import re
import sys
import time

# version-traceid-parentid-flags, lowercase hex; a later version may append fields after a dash.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")


def parse_traceparent(value: str | None) -> str | None:
    """The traceparent header as sent, if valid by the W3C rules (no all-zero ids, no version ff), else None."""
    if not value:
        return None
    value = value.strip()
    match = _TRACEPARENT.fullmatch(value)
    if not match:
        return None
    version, trace_id, span_id, _flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest) or trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return value


class RequestTrace:
    """One traced request, from when its headers were read to when its answer's headers are sent."""

    def __init__(self, traceparent: str, method: str, path: str, clock=time.time, timer=time.perf_counter,
                 out=None):
        self.traceparent = traceparent
        self.route = f"{method} {path}"
        self.start_ms = clock() * 1000
        self._timer = timer
        self._started = timer()
        self._out = out

    @classmethod
    def start(cls, traceparent: str | None, method: str, path: str, **options) -> "RequestTrace | None":
        """A trace for a request that carries a valid traceparent; None for any other (nothing is added)."""
        valid = parse_traceparent(traceparent)
        return cls(valid, method, path, **options) if valid else None

    def finish(self, status: int) -> str:
        """Logs the request's line and returns its Server-Timing value (milliseconds, to the microsecond)."""
        duration_ms = (self._timer() - self._started) * 1000
        # One write for the whole line: the threads of serve.py log at once.
        out = self._out or sys.stderr
        out.write(f"veo-engine: {self.route} {status} {duration_ms:.1f} ms traceparent={self.traceparent}\n")
        out.flush()
        return f"engine;start={self.start_ms:.3f};dur={duration_ms:.3f}"

