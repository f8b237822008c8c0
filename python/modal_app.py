"""The engine on Modal: serve.py's routes (handlers.routes) behind ONE ASGI app (one base URL for the BFF).

    modal deploy python/modal_app.py

Secrets (by name): "veo-openai" (OPENAI_API_KEY, optionally OPENAI_BASE_URL, OPENAI_MODEL,
LLM_MAX_CALLS_PER_HOUR) for the explanation jobs, and "veo-bff-admin" (BFF_URL, the BFF's GraphQL
endpoint, and ADMIN_TOKEN) for the daily cache warm-up. The web endpoint requires Modal proxy auth:
callers send Modal-Key / Modal-Secret.

`modal deploy` puts this file's folder on sys.path as `python3 modal_app.py` would, so the `engine`
package beside it imports here; in the container it sits beside this file too (add_local_python_source).
"""
import json
import os
import time
import urllib.request
from typing import TypedDict

import modal

from engine import asgi, dispatch, explanations, handlers
from engine.contract import ExplanationContext, Job
from engine.enums import ExplanationSource, PersonaId

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

# Our job id -> Modal's call id, shared by every container (entries expire after 7 days unused).
calls = modal.Dict.from_name("veo-explanation-calls", create_if_missing=True)


class CallEntry(TypedDict):
    """A value of `calls`."""
    callId: str
    createdAt: float
    attempts: int


class ExplainResult(TypedDict):
    """What explain_job returns, read back through FunctionCall.get()."""
    text: str
    source: ExplanationSource
    finishedAt: float


@app.function(
    secrets=[modal.Secret.from_name("veo-openai")],
    timeout=120,
    retries=modal.Retries(max_retries=2, initial_delay=2.0, backoff_coefficient=2.0),
)
def explain_job(job_id: str) -> ExplainResult:
    """One explanation, from the question the id carries: LLM text, or the template on any failure."""
    question = explanations.decode_job_id(job_id)
    if question is None:
        raise ValueError(f"not an explanation id for this data: {job_id}")
    text, source = explanations.explain(*question)
    return {"text": text, "source": source, "finishedAt": time.time()}


class ModalJobs:
    """The job backend (explanations.JobBackend: submit, status) on Modal: spawn() plus the Dict of call ids."""

    def __init__(self, call_ids, spawn):
        self.call_ids = call_ids  # the modal.Dict: our job id -> CallEntry
        self.spawn = spawn        # explain_job.spawn

    def submit(self, area_code: str, persona: PersonaId, ctx: ExplanationContext) -> Job:
        jid = explanations.job_id(area_code, persona, ctx)
        return self._job(jid, (area_code, persona, ctx), restart_failed=True)

    def status(self, jid: str, rebuild: bool = False) -> Job | None:
        """A job this deployment spawned; an unknown id is spawned only with `rebuild` (see JobStore.status)."""
        question = explanations.decode_job_id(jid)
        if question is None:
            return None
        return self._job(jid, question, restart_failed=False, start_unknown=rebuild)

    def _job(self, jid: str, question: explanations.Question, restart_failed: bool,
             start_unknown: bool = True) -> Job | None:
        entry = self.call_ids.get(jid)
        if entry is not None:
            job = self._poll(jid, question, entry)
            if job["status"] != "FAILED" or not restart_failed:
                return job
        elif not start_unknown:
            return None
        return self._start(jid, question, entry)

    def _poll(self, jid: str, question: explanations.Question, entry: CallEntry) -> Job:
        common = {"attempts": entry["attempts"], "created_at": entry["createdAt"]}
        try:
            result = modal.FunctionCall.from_id(entry["callId"]).get(timeout=0)
        except TimeoutError:
            return explanations.job_view(jid, question, "PENDING", **common)
        except Exception as error:  # failed after its retries, or its output expired
            return explanations.job_view(jid, question, "FAILED", error=f"{type(error).__name__}: {error}",
                                         **common)
        return explanations.job_view(jid, question, "READY", text=result["text"], source=result["source"],
                                     finished_at=result["finishedAt"], **common)

    def _start(self, jid: str, question: explanations.Question, previous: CallEntry | None) -> Job:
        call = self.spawn(jid)
        entry: CallEntry = {"callId": call.object_id,
                            "createdAt": previous["createdAt"] if previous else time.time(),
                            "attempts": previous["attempts"] + 1 if previous else 1}
        self.call_ids[jid] = entry
        return explanations.job_view(jid, question, "PENDING", attempts=entry["attempts"],
                                     created_at=entry["createdAt"])


@app.function(timeout=60, scaledown_window=300)
@modal.concurrent(max_inputs=50)
@modal.asgi_app(requires_proxy_auth=True)
def web():
    """The engine's routes as one ASGI app, its explanation jobs spawned on Modal (see ModalJobs)."""
    jobs = ModalJobs(calls, explain_job.spawn)
    return asgi.AsgiApp(dispatch.Dispatcher(handlers.routes(jobs)))


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
