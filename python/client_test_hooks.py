"""Test hooks for the engine's clients: two environment variables that serve.py honours, so that a
client's own test suite (the BFF's) can watch explanation jobs stay PENDING or end FAILED.

    EXPLAIN_DELAY_MS=n   every job waits n milliseconds before it runs
    EXPLAIN_FAILURES=n   the first n jobs of the process fail (submitting again then succeeds)

Only serve.py imports this module: the engine package never reads these variables, and Modal does not
ship this file (modal_app.py adds the `engine` package alone). Unset, 0 or not a number means off.
"""
import os
import threading
import time
from collections.abc import Mapping

from engine.contract import ExplanationContext
from engine.enums import ExplanationSource, PersonaId
from engine.explanations import Work

FAILURE_MESSAGE = "failure injected by EXPLAIN_FAILURES"  # the BFF's tests look for the variable's name


def _count(env: Mapping[str, str], name: str) -> int:
    try:
        return max(0, int(env.get(name) or 0))
    except ValueError:
        return 0


class HeldWork:
    """Wraps a job's work: sleeps before it, and fails the first `failures` calls instead of running it."""

    def __init__(self, work: Work, delay_s: float, failures: int):
        self._work = work
        self._delay_s = delay_s
        self._failures_left = failures
        self._lock = threading.Lock()  # jobs run on several threads

    def __call__(self, area_code: str, persona: PersonaId, ctx: ExplanationContext) -> tuple[str, ExplanationSource]:
        time.sleep(self._delay_s)
        with self._lock:
            fail = self._failures_left > 0
            if fail:
                self._failures_left -= 1
        if fail:
            raise RuntimeError(FAILURE_MESSAGE)
        return self._work(area_code, persona, ctx)


def work_from_env(work: Work, env: Mapping[str, str] = os.environ) -> Work:
    """`work` itself when neither variable is set, else `work` held back as they say."""
    delay_ms, failures = _count(env, "EXPLAIN_DELAY_MS"), _count(env, "EXPLAIN_FAILURES")
    if not delay_ms and not failures:
        return work
    return HeldWork(work, delay_ms / 1000, failures)
