"""Explanation jobs: deterministic ids, a small thread pool, template or LLM text.

The id is "ex1_" + base64url (no padding) of the canonical JSON of
{"a": areaCode, "c": context, "d": dataVersion, "p": persona}, so the same question always maps to the
same job, and an engine that has never seen an id (after a restart) can rebuild the question from it.
Anyone can build such an id, so reading a status rebuilds a job only when the caller asks for it
(`rebuild`): the BFF does so only for ids it signed after charging for the job's start.
"""
import base64
import binascii
import json
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

from engine import data, llm, template
from engine.enums import PERSONA_IDS
from engine.personas import PERSONAS
from engine.validation import ApiError, explanation_context

ID_PREFIX = "ex1_"
WORKERS = 4
MAX_JOBS = 5000  # finished jobs beyond this are forgotten, oldest first: a rebuild recreates them


def job_id(area_code, persona, context):
    question = {"a": area_code, "c": context, "d": data.DATA_VERSION, "p": persona}
    canonical = json.dumps(question, sort_keys=True, separators=(",", ":"))
    return ID_PREFIX + base64.urlsafe_b64encode(canonical.encode()).decode().rstrip("=")


def decode_job_id(jid):
    """(areaCode, persona, context) carried by an id, or None when it is not one of ours for this data."""
    if not isinstance(jid, str) or not jid.startswith(ID_PREFIX):
        return None
    encoded = jid[len(ID_PREFIX):]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        question = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(question, dict) or set(question) != {"a", "c", "d", "p"}:
        return None
    area, persona, ctx = question["a"], question["p"], question["c"]
    # An id made for other data would be answered with figures it was not asked about: refuse it.
    if question["d"] != data.DATA_VERSION or area not in data.BOROUGHS or persona not in PERSONA_IDS:
        return None
    try:
        ctx = explanation_context(ctx, "c", lambda s: s in data.STATIONS)
    except ApiError:
        return None
    # Only the canonical spelling is accepted, so one question never has two ids.
    if job_id(area, persona, ctx) != jid:
        return None
    return area, persona, ctx


def _messages(area_code, persona_id, ctx):
    persona = PERSONAS[persona_id]
    facts = template.facts(area_code, persona_id, ctx)
    system = ("You explain London boroughs to people choosing where to live. Use only the facts given, "
              "name every number you use with its year, do not invent figures, and answer in plain text "
              "(no markdown, no lists) in at most 120 words.")
    user = (f"Explain for a {persona['name'].lower()} ({persona['description']}) whether "
            f"{data.BOROUGHS[area_code]['name']} suits them.\nFacts:\n" + "\n".join(f"- {f}" for f in facts))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def explain(area_code, persona_id, ctx):
    """(text, source): the model's answer when configured and it works, else the grounded template."""
    if llm.enabled():
        try:
            return llm.chat(_messages(area_code, persona_id, ctx)), "LLM"
        except llm.LLMError as error:
            print(f"veo-engine: LLM failed, using the template: {error}", file=sys.stderr, flush=True)
    return template.text(area_code, persona_id, ctx), "TEMPLATE"


_injected_failures = {"left": None}
_injected_lock = threading.Lock()


def injected_failure():
    """EXPLAIN_FAILURES=n makes the first n jobs of this process fail, so clients can test FAILED and retry."""
    with _injected_lock:
        if _injected_failures["left"] is None:
            try:
                _injected_failures["left"] = max(0, int(os.environ.get("EXPLAIN_FAILURES") or 0))
            except ValueError:
                _injected_failures["left"] = 0
        if _injected_failures["left"] == 0:
            return False
        _injected_failures["left"] -= 1
        return True


def delay_seconds():
    """EXPLAIN_DELAY_MS holds every job back, so that clients' tests can observe PENDING."""
    try:
        return max(0, int(os.environ.get("EXPLAIN_DELAY_MS") or 0)) / 1000
    except ValueError:
        return 0


def job_view(jid, question, status, *, text=None, source=None, error=None, attempts=1,
             created_at=None, finished_at=None):
    area, persona, ctx = question
    return {"id": jid, "status": status, "areaCode": area, "persona": persona, "context": ctx,
            "text": text, "source": source, "error": error, "attempts": attempts,
            "createdAt": created_at, "finishedAt": finished_at}


class JobStore:
    """In-memory jobs run by a ThreadPoolExecutor(4). `work` is replaceable for tests."""

    def __init__(self, work=explain, workers=WORKERS):
        self._work = work
        self._jobs = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="veo-explain")

    def submit(self, area_code, persona, ctx):
        """The job for this question: the existing one unless it FAILED, else a new attempt."""
        jid = job_id(area_code, persona, ctx)
        return self._start(jid, (area_code, persona, ctx))

    def status(self, jid, rebuild=False):
        """The job for an id. One this engine does not hold is None, or with `rebuild` started again from
        the question the id carries (None if it cannot be decoded): reading never starts work by itself."""
        with self._lock:
            job = self._jobs.get(jid)
            if job is not None:
                return dict(job)
        if not rebuild:
            return None
        question = decode_job_id(jid)
        return None if question is None else self._start(jid, question)

    def _start(self, jid, question):
        with self._lock:
            job = self._jobs.get(jid)
            if job is not None and job["status"] != "FAILED":
                return dict(job)
            attempts = job["attempts"] + 1 if job else 1
            created = job["createdAt"] if job else time.time()
            job = job_view(jid, question, "PENDING", attempts=attempts, created_at=created)
            self._jobs[jid] = job
            self._forget_old()
            self._pool.submit(self._run, jid, question)
            return dict(job)

    def _forget_old(self):
        while len(self._jobs) > MAX_JOBS:
            oldest = next((k for k, j in self._jobs.items() if j["status"] != "PENDING"), None)
            if oldest is None:
                return
            del self._jobs[oldest]

    def _run(self, jid, question):
        time.sleep(delay_seconds())
        try:
            if injected_failure():
                raise RuntimeError("failure injected by EXPLAIN_FAILURES")
            text, source = self._work(*question)
            update = {"status": "READY", "text": text, "source": source, "error": None}
        except Exception as error:  # a job must end READY or FAILED, never stay PENDING
            traceback.print_exc(file=sys.stderr)
            update = {"status": "FAILED", "text": None, "source": None, "error": f"{type(error).__name__}: {error}"}
        with self._lock:
            self._jobs[jid].update(update, finishedAt=time.time())

    def shutdown(self):
        self._pool.shutdown(wait=False, cancel_futures=True)
