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
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from engine import data, llm, template
from engine.contract import ExplanationContext, Job
from engine.enums import PERSONA_IDS, ExplanationSource, JobStatus, PersonaId
from engine.personas import PERSONAS
from engine.validation import ApiError, explanation_context

ID_PREFIX = "ex1_"
WORKERS = 4
MAX_JOBS = 5000  # finished jobs beyond this are forgotten, oldest first: a rebuild recreates them

# The question a job answers: (areaCode, persona, context).
Question = tuple[str, PersonaId, ExplanationContext]
# What a job runs: the question in, (text, source) out.
Work = Callable[[str, PersonaId, ExplanationContext], tuple[str, ExplanationSource]]


class JobBackend(Protocol):
    """What the explanation routes need: JobStore below locally, ModalJobs (modal_app.py) on Modal.

    Whole batches, in the order asked, so that a backend whose look-ups are remote can run them at once."""

    def submit_many(self, questions: list[Question]) -> list[Job]: ...

    def status_many(self, ids: list[str], rebuild: bool = False) -> list[Job | None]: ...


def job_id(area_code: str, persona: PersonaId, context: ExplanationContext) -> str:
    question = {"a": area_code, "c": context, "d": data.DATA_VERSION, "p": persona}
    canonical = json.dumps(question, sort_keys=True, separators=(",", ":"))
    return ID_PREFIX + base64.urlsafe_b64encode(canonical.encode()).decode().rstrip("=")


def decode_job_id(jid: object) -> Question | None:
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


def _messages(area_code: str, persona_id: PersonaId, ctx: ExplanationContext) -> list[llm.Message]:
    persona = PERSONAS[persona_id]
    facts = template.facts(area_code, persona_id, ctx)
    system = ("You explain London boroughs to people choosing where to live. Use only the facts given, "
              "name every number you use with its year, do not invent figures, and answer in plain text "
              "(no markdown, no lists) in at most 120 words.")
    user = (f"Explain for a {persona['name'].lower()} ({persona['description']}) whether "
            f"{data.BOROUGHS[area_code]['name']} suits them.\nFacts:\n" + "\n".join(f"- {f}" for f in facts))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def explain(area_code: str, persona_id: PersonaId, ctx: ExplanationContext,
            cap: llm.Cap | None = None) -> tuple[str, ExplanationSource]:
    """(text, source): the model's answer when configured and it works (and `cap` grants the call), else the
    grounded template."""
    if llm.enabled():
        try:
            return llm.chat(_messages(area_code, persona_id, ctx), cap=cap), "LLM"
        except llm.LLMError as error:
            print(f"veo-engine: LLM failed, using the template: {error}", file=sys.stderr, flush=True)
    return template.text(area_code, persona_id, ctx), "TEMPLATE"


def job_view(jid: str, question: Question, status: JobStatus, *, text: str | None = None,
             source: ExplanationSource | None = None, error: str | None = None, attempts: int = 1,
             created_at: float, finished_at: float | None = None) -> Job:
    area, persona, ctx = question
    return {"id": jid, "status": status, "areaCode": area, "persona": persona, "context": ctx,
            "text": text, "source": source, "error": error, "attempts": attempts,
            "createdAt": created_at, "finishedAt": finished_at}


class JobStore:
    """In-memory jobs run by a ThreadPoolExecutor(4).

    `work` builds a job's text; tests and serve.py's client test hooks pass a wrapper or a stand-in.
    """

    def __init__(self, work: Work = explain, workers: int = WORKERS):
        self._work = work
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="veo-explain")

    def submit(self, area_code: str, persona: PersonaId, ctx: ExplanationContext) -> Job:
        """The job for this question: the existing one unless it FAILED, else a new attempt."""
        jid = job_id(area_code, persona, ctx)
        return self._start(jid, (area_code, persona, ctx))

    def status(self, jid: str, rebuild: bool = False) -> Job | None:
        """The job for an id. One this engine does not hold is None, or with `rebuild` started again from
        the question the id carries (None if it cannot be decoded): reading never starts work by itself."""
        with self._lock:
            job = self._jobs.get(jid)
            if job is not None:
                return job.copy()
        if not rebuild:
            return None
        question = decode_job_id(jid)
        return None if question is None else self._start(jid, question)

    def submit_many(self, questions: list[Question]) -> list[Job]:
        return [self.submit(*question) for question in questions]

    def status_many(self, ids: list[str], rebuild: bool = False) -> list[Job | None]:
        return [self.status(jid, rebuild) for jid in ids]

    def _start(self, jid: str, question: Question) -> Job:
        with self._lock:
            job = self._jobs.get(jid)
            if job is not None and job["status"] != "FAILED":
                return job.copy()
            attempts = job["attempts"] + 1 if job else 1
            created = job["createdAt"] if job else time.time()
            job = job_view(jid, question, "PENDING", attempts=attempts, created_at=created)
            self._jobs[jid] = job
            self._forget_old()
            self._pool.submit(self._run, jid, question)
            return job.copy()

    def _forget_old(self) -> None:
        while len(self._jobs) > MAX_JOBS:
            oldest = next((k for k, j in self._jobs.items() if j["status"] != "PENDING"), None)
            if oldest is None:
                return
            del self._jobs[oldest]

    def _run(self, jid: str, question: Question) -> None:
        try:
            text, source = self._work(*question)
            status: JobStatus = "READY"
            error = None
        except Exception as failure:  # a job must end READY or FAILED, never stay PENDING
            traceback.print_exc(file=sys.stderr)
            status, text, source, error = "FAILED", None, None, f"{type(failure).__name__}: {failure}"
        with self._lock:
            self._jobs[jid].update(status=status, text=text, source=source, error=error, finishedAt=time.time())

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
