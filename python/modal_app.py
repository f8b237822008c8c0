"""The engine on Modal: serve.py's routes (handlers.routes) behind ONE ASGI app (one base URL for the BFF).

    modal deploy python/modal_app.py

Secrets (by name): "veo-openai" (OPENAI_API_KEY, optionally OPENAI_BASE_URL, OPENAI_MODEL,
LLM_MAX_CALLS_PER_HOUR) for the explanation jobs, and "veo-bff-admin" (BFF_URL, the BFF's GraphQL
endpoint, and ADMIN_TOKEN) for the daily cache warm-up. The web endpoint requires Modal proxy auth:
callers send Modal-Key / Modal-Secret.

Explanation jobs live in the modal.Dict `jobs` (ModalJobs), whatever container is asked; the model calls of
every container together stay within LLM_MAX_CALLS_PER_HOUR per clock hour (SharedHourlyCap).

`modal deploy` puts this file's folder on sys.path as `python3 modal_app.py` would, so the `engine`
package beside it imports here; in the container it sits beside this file too (add_local_python_source).
"""
import asyncio
import json
import os
import sys
import time
import urllib.request
from collections.abc import Awaitable
from typing import TypedDict

import modal

from engine import asgi, dispatch, explanations, handlers, llm, tracing
from engine.contract import Job
from engine.enums import ExplanationSource, JobStatus

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "data")
WARM_CACHE_MUTATION = "mutation { warmCache { warmed } }"

# No pip packages: the engine runs on the Python standard library alone. The data sits beside the
# engine package in the container (/root/engine, /root/data), as it does in python/.
image = (
    modal.Image.debian_slim(python_version="3.11")
    .add_local_python_source("engine")
    .add_local_dir(DATA_DIR, remote_path="/root/data")
)

app = modal.App("veo-engine", image=image)

# Explanation jobs, shared by every container: one record per attempt (attempt_key), and each attempt's call
# id beside it (call_key). The name is the one jobs were first kept under, so their entries are still read.
jobs = modal.Dict.from_name("veo-explanation-calls", create_if_missing=True)
# The model calls granted this hour, counted across containers (SharedHourlyCap).
llm_calls = modal.Dict.from_name("veo-llm-calls", create_if_missing=True)

# A claim with no call after this long was left by a container that died before spawning (web times out at 60 s).
START_GRACE_S = 180
# Failures to reach Modal that its client already retried: the call may be fine, so the next read asks again.
TRANSIENT = (modal.exception.ServiceError, modal.exception.ConnectionError, modal.exception.InternalError,
             modal.exception.ResourceExhaustedError)


class JobRecord(TypedDict, total=False):
    """A value of `jobs`: one attempt. PENDING from its claim, then READY or FAILED for good."""
    status: JobStatus
    attempts: int
    createdAt: float        # the first attempt's, as JobStore keeps it
    claimedAt: float
    text: str | None
    source: ExplanationSource | None
    error: str | None
    finishedAt: float | None
    callId: str             # only in entries written before records: the call id was the whole entry then


class ExplainResult(TypedDict):
    """What explain_job returns, read back through FunctionCall.get()."""
    text: str
    source: ExplanationSource
    finishedAt: float


def attempt_key(jid: str, attempt: int) -> str:
    """Where an attempt's record lives: the id itself for the first ('#' is never part of an id)."""
    return jid if attempt == 1 else f"{jid}#{attempt}"


def call_key(key: str) -> str:
    """Where the call id of the attempt recorded at `key` lives: not in the record, so that writing it after the
    spawn can never overwrite the result the call may already have written there."""
    return f"{key}#call"


def finished(record: JobRecord, status: JobStatus, *, text: str | None = None, source: ExplanationSource | None = None,
             error: str | None = None, finished_at: float) -> JobRecord:
    return {**record, "status": status, "text": text, "source": source, "error": error, "finishedAt": finished_at}


def log(message: str) -> None:
    print(f"veo-engine: {message}", file=sys.stderr, flush=True)


class SharedHourlyCap:
    """llm.Cap for every container at once: at most `limit` model calls per clock hour (UTC).

    Each granted call claims one key "<hour>:<n>", n below the limit, with put(skip_if_exists=True), which Modal
    grants to one writer only: so `limit` claims succeed in an hour, whoever makes them. "<hour>:next" says where
    to start looking; it is only ever written as one past a key just claimed, and keys are never freed within
    their hour, so every key below it is taken and starting there skips no free one (a stale, lower hint costs
    a few more puts, never a call too many)."""

    def __init__(self, counts, clock=time.time):
        self.counts = counts    # a modal.Dict
        self.clock = clock

    def take(self, limit: int, now: float | None = None) -> bool:
        hour = int((self.clock() if now is None else now) // 3600)
        try:
            n = self.counts.get(f"{hour}:next", 0)
            while n < limit:
                if self.counts.put(f"{hour}:{n}", True, skip_if_exists=True):
                    break
                n += 1
            else:
                return False
        except modal.exception.Error as error:
            # Not counted is not granted: the job answers with the template.
            raise llm.LLMError(f"the shared hourly cap could not be counted: {type(error).__name__}: {error}")
        try:
            self.counts.put(f"{hour}:next", n + 1)
        except modal.exception.Error as error:
            log(f"the LLM cap hint was not written: {type(error).__name__}: {error}")
        return True


@app.function(
    secrets=[modal.Secret.from_name("veo-openai")],
    timeout=120,
    retries=modal.Retries(max_retries=2, initial_delay=2.0, backoff_coefficient=2.0),
)
def explain_job(job_id: str, attempt: int = 1) -> ExplainResult:
    """One attempt of an explanation: LLM text within the shared hourly cap, or the template on any failure.

    The result is written to the attempt's record as well, so it outlives Modal's 7 days of call outputs."""
    question = explanations.decode_job_id(job_id)
    if question is None:
        raise ValueError(f"not an explanation id for this data: {job_id}")
    text, source = explanations.explain(*question, cap=SharedHourlyCap(llm_calls))
    result: ExplainResult = {"text": text, "source": source, "finishedAt": time.time()}
    key = attempt_key(job_id, attempt)
    try:
        record = jobs.get(key) or {"attempts": attempt, "createdAt": result["finishedAt"]}
        jobs.put(key, finished(record, "READY", text=text, source=source, finished_at=result["finishedAt"]))
    except modal.exception.Error as error:
        # Raising would have Modal retry the model call; the output holds the result, and a read records it.
        log(f"the result of {key} was not recorded: {type(error).__name__}: {error}")
    return result


class ModalJobs:
    """The job backend (explanations.JobBackend) on Modal: records in the `jobs` Dict, calls of explain_job.

    An attempt is claimed with put(skip_if_exists=True) before its call is spawned, so two containers asked for
    the same job at once start it once. A READY or FAILED record is the answer from then on; only a PENDING
    one asks its call, and writes down how it ended. Every id of a batch is looked up at once (`.aio` under
    asyncio.gather): a batch costs about the round trips of one id."""

    def __init__(self, records, function, clock=time.time):
        self.records = records      # the `jobs` modal.Dict
        self.function = function    # explain_job
        self.clock = clock

    def submit_many(self, questions: list[explanations.Question]) -> list[Job]:
        return self._run([self._job(explanations.job_id(*q), q, restart_failed=True, start_unknown=True)
                          for q in questions])

    def status_many(self, ids: list[str], rebuild: bool = False) -> list[Job | None]:
        """Jobs this deployment started; an unknown id is started only with `rebuild` (see JobStore.status)."""
        return self._run([self._status(jid, rebuild) for jid in ids])

    @staticmethod
    def _run(lookups: list[Awaitable]) -> list:
        async def gather():
            return list(await asyncio.gather(*lookups))
        # Handlers run on a worker thread (asgi.py), which has no event loop of its own.
        return asyncio.run(gather())

    async def _status(self, jid: str, rebuild: bool) -> Job | None:
        question = explanations.decode_job_id(jid)
        if question is None:
            return None
        return await self._job(jid, question, restart_failed=False, start_unknown=rebuild)

    async def _job(self, jid: str, question: explanations.Question, restart_failed: bool,
                   start_unknown: bool) -> Job | None:
        key, record = jid, await self.records.get.aio(jid)
        if record is None:
            return await self._claim(jid, question, 1, self.clock()) if start_unknown else None
        while True:
            job = await self._settle(jid, question, key, record)
            if job["status"] != "FAILED":
                return job
            # A failed attempt may have been followed by another: its record is the job now.
            attempt = record["attempts"] + 1
            following = await self.records.get.aio(attempt_key(jid, attempt))
            if following is None:
                return await self._claim(jid, question, attempt, record["createdAt"]) if restart_failed else job
            key, record = attempt_key(jid, attempt), following

    async def _claim(self, jid: str, question: explanations.Question, attempt: int, created_at: float) -> Job:
        key = attempt_key(jid, attempt)
        claim: JobRecord = {"status": "PENDING", "attempts": attempt, "createdAt": created_at,
                            "claimedAt": self.clock()}
        if not await self.records.put.aio(key, claim, skip_if_exists=True):
            # Another container claimed this attempt first: it spawns the call, and its record is the job.
            winner = await self.records.get.aio(key)
            return self._view(jid, question, claim if winner is None else winner)
        try:
            call = await self.function.spawn.aio(jid, attempt)
        except Exception:
            # Nothing started: free the attempt so that submitting again can start it.
            try:
                await self.records.pop.aio(key, None)
            except modal.exception.Error:
                pass    # START_GRACE_S frees it
            raise
        await self.records.put.aio(call_key(key), call.object_id)
        return self._view(jid, question, claim)

    async def _settle(self, jid: str, question: explanations.Question, key: str, record: JobRecord) -> Job:
        """The job as `record` says; a PENDING one asks its call, and a call that ended is written down."""
        if record.get("status", "PENDING") != "PENDING":
            return self._view(jid, question, record)
        call_id = record.get("callId") or await self.records.get.aio(call_key(key))
        if call_id is None:
            if self.clock() - record.get("claimedAt", record["createdAt"]) < START_GRACE_S:
                return self._view(jid, question, record)
            return await self._finish(jid, question, key, record, "FAILED",
                                      error="the job was claimed but its call was never started")
        try:
            result: ExplainResult = await modal.FunctionCall.from_id(call_id).get.aio(timeout=0)
        except modal.exception.OutputExpiredError:
            # The call wrote its result to the record when it ended, unless that write failed: look again.
            latest = await self.records.get.aio(key)
            if latest is not None and latest.get("status", "PENDING") != "PENDING":
                return self._view(jid, question, latest)
            return await self._finish(jid, question, key, record, "FAILED",
                                      error=f"the output of call {call_id} expired before it was read (Modal keeps "
                                            "outputs for 7 days) and its result was not recorded")
        except TimeoutError:    # the built-in one: no output yet
            return self._view(jid, question, record)
        except TRANSIENT as error:
            log(f"{call_id} could not be asked, still PENDING: {type(error).__name__}: {error}")
            return self._view(jid, question, record)
        except Exception as error:  # the call failed after its retries
            return await self._finish(jid, question, key, record, "FAILED", error=f"{type(error).__name__}: {error}")
        return await self._finish(jid, question, key, record, "READY", text=result["text"], source=result["source"],
                                  finished_at=result["finishedAt"])

    async def _finish(self, jid: str, question: explanations.Question, key: str, record: JobRecord,
                      status: JobStatus, *, text: str | None = None, source: ExplanationSource | None = None,
                      error: str | None = None, finished_at: float | None = None) -> Job:
        done = finished(record, status, text=text, source=source, error=error,
                        finished_at=self.clock() if finished_at is None else finished_at)
        try:
            await self.records.put.aio(key, done)
        except modal.exception.Error as failure:
            # The answer stands; the next read, asking the call again, writes it again.
            log(f"the end of {key} was not recorded: {type(failure).__name__}: {failure}")
        return self._view(jid, question, done)

    @staticmethod
    def _view(jid: str, question: explanations.Question, record: JobRecord) -> Job:
        return explanations.job_view(jid, question, record.get("status", "PENDING"), text=record.get("text"),
                                     source=record.get("source"), error=record.get("error"),
                                     attempts=record["attempts"], created_at=record["createdAt"],
                                     finished_at=record.get("finishedAt"))


class TracedAsgiApp(asgi.AsgiApp):
    """asgi.AsgiApp, with a traced request's line logged and its Server-Timing added to the answer (engine/tracing.py)."""

    async def __call__(self, scope, receive, send):
        request = None
        if scope["type"] == "http":
            header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"traceparent"), None)
            request = tracing.RequestTrace.start(header, scope["method"], scope["path"])
        if request is None:
            return await super().__call__(scope, receive, send)

        async def send_timed(message):
            if message["type"] == "http.response.start":
                timing = (b"server-timing", request.finish(message["status"]).encode("latin-1"))
                message = {**message, "headers": [*message.get("headers", []), timing]}
            await send(message)

        await super().__call__(scope, receive, send_timed)


@app.function(timeout=60, scaledown_window=300)
@modal.concurrent(max_inputs=50)
@modal.asgi_app(requires_proxy_auth=True)
def web():
    """The engine's routes as one ASGI app, its explanation jobs spawned on Modal (see ModalJobs). A request the
    BFF traces is logged with its traceparent and answered with its Server-Timing (TracedAsgiApp)."""
    return TracedAsgiApp(dispatch.Dispatcher(handlers.routes(ModalJobs(jobs, explain_job))))


def post_warm_cache(bff_url: str, admin_token: str, timeout: float = 60) -> dict:
    """POSTs the warmCache mutation to the BFF; raises on an HTTP or GraphQL error so Modal retries."""
    request = urllib.request.Request(
        bff_url, method="POST", data=json.dumps({"query": WARM_CACHE_MUTATION}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json",
                 "Authorization": f"Bearer {admin_token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read().decode("utf-8"))
    if answer.get("errors"):
        raise RuntimeError(f"warmCache failed: {answer['errors']}")
    return answer["data"]["warmCache"]


@app.function(
    secrets=[modal.Secret.from_name("veo-bff-admin")],
    schedule=modal.Cron("0 2 * * *"),
    timeout=300,
    retries=modal.Retries(max_retries=3, initial_delay=60.0, backoff_coefficient=2.0),
)
def warm_cache():
    """Daily at 02:00 UTC: asks the BFF to refill its cache from this engine."""
    return post_warm_cache(os.environ["BFF_URL"], os.environ["ADMIN_TOKEN"])


@app.local_entrypoint()
def main():
    """`modal run python/modal_app.py`: smoke-tests /health of the web endpoint."""
    request = urllib.request.Request(
        web.get_web_url().rstrip("/") + "/health",
        headers={"Modal-Key": os.environ.get("MODAL_PROXY_KEY", ""),
                 "Modal-Secret": os.environ.get("MODAL_PROXY_SECRET", "")})
    with urllib.request.urlopen(request, timeout=120) as response:
        print(response.read().decode("utf-8"))
