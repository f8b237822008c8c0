"""The Modal job store (ModalJobs) and the shared model cap as production meets them, over the stand-in cloud:
results outliving Modal's call outputs, two containers racing, transient failures, a batch of 100 ids, and
the model cap across containers. Each "container" is modal_app.py imported afresh over one Cloud."""
import asyncio
import os
import threading
import time
import unittest
import warnings
from unittest import mock

from engine import data, explanations, handlers
from engine.enums import PERSONA_IDS
from tests import modal_stand_in
from tests.modal_stand_in import exception
from tests.support import StandInServer

CAMDEN = "E09000007"
NO_LLM = {"OPENAI_API_KEY": ""}
JOBS = "veo-explanation-calls"


class Container:
    """One container: modal_app.py imported over the shared cloud, and its job backend."""

    def __init__(self, cloud, edit=None):
        self.app = modal_stand_in.load_app(cloud, edit)
        self.jobs = self.app.ModalJobs(self.app.jobs, self.app.explain_job)

    def submit(self, *questions):
        return self.jobs.submit_many(list(questions))

    def status(self, *ids, rebuild=False):
        return self.jobs.status_many(list(ids), rebuild)


def in_threads(*calls):
    """Runs each call on its own thread; their results in order (a call's error is raised here)."""
    results = [None] * len(calls)

    def run(i, call):
        try:
            results[i] = call()
        except BaseException as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


class JobStoreCase(unittest.TestCase):
    def setUp(self):
        # A blocking Modal call inside the batch's event loop would serialise it: the SDK warns, here it fails.
        self.enterContext(warnings.catch_warnings())
        warnings.simplefilter("error", exception.AsyncUsageWarning)
        self.enterContext(mock.patch.dict(os.environ, NO_LLM))
        self.enterContext(mock.patch("sys.stderr"))   # the store logs what it could not do
        self.cloud = modal_stand_in.Cloud()
        self.a = Container(self.cloud)
        self.question = (CAMDEN, "student", {"budget": 600})
        self.jid = explanations.job_id(*self.question)

    def records(self):
        return self.cloud.contents(JOBS)

    def call_of(self, jid, attempt=1):
        return self.records()[self.a.app.call_key(self.a.app.attempt_key(jid, attempt))]


class ResultsTest(JobStoreCase):
    def test_a_finished_job_is_answered_from_the_dict_and_outlives_the_call_output(self):
        [started] = self.a.submit(self.question)
        self.assertEqual(started["status"], "PENDING")
        self.cloud.run(self.call_of(self.jid))
        record = self.records()[self.jid]
        self.assertEqual((record["status"], record["source"]), ("READY", "TEMPLATE"))
        self.assertIsInstance(record["finishedAt"], float)
        self.cloud.expire(self.call_of(self.jid))   # 7 days on
        self.cloud.operations.clear()
        [job] = Container(self.cloud).status(self.jid)   # any container
        self.assertEqual((job["status"], job["text"], job["attempts"]), ("READY", record["text"], 1))
        self.assertEqual(self.cloud.operations, ["Dict.get"], "a finished job never asks its call again")

    def test_a_result_the_call_could_not_record_is_recorded_by_the_first_read(self):
        self.a.submit(self.question)
        self.cloud.fail_next("Dict.put", exception.ServiceError("unavailable"))
        result = self.cloud.run(self.call_of(self.jid))
        self.assertEqual(self.records()[self.jid]["status"], "PENDING", "the call's write failed")
        [job] = self.a.status(self.jid)
        self.assertEqual((job["status"], job["text"]), ("READY", result["text"]))
        self.assertEqual(self.records()[self.jid]["status"], "READY")

    def test_an_expired_output_with_no_recorded_result_fails_with_its_reason_and_may_be_submitted_again(self):
        self.a.submit(self.question)
        self.cloud.fail_next("Dict.put", exception.ServiceError("unavailable"))
        self.cloud.run(self.call_of(self.jid))
        self.cloud.expire(self.call_of(self.jid))
        [job] = self.a.status(self.jid)
        self.assertEqual((job["status"], job["attempts"], job["text"]), ("FAILED", 1, None))
        self.assertIn("expired", job["error"])
        self.assertEqual(self.records()[self.jid]["status"], "FAILED")
        self.assertEqual(len(self.cloud.spawned), 1, "reading a failed job starts nothing")
        # Submitting again is the engine's retry rule: one new attempt, and asking again starts no other.
        for _ in range(2):
            [again] = self.a.submit(self.question)
            self.assertEqual((again["status"], again["attempts"], again["createdAt"]),
                             ("PENDING", 2, job["createdAt"]))
        self.assertEqual(self.cloud.spawned, [("explain_job", (self.jid, 1)), ("explain_job", (self.jid, 2))])
        self.cloud.run(self.call_of(self.jid, 2))
        [done] = self.a.status(self.jid)
        self.assertEqual((done["status"], done["attempts"]), ("READY", 2))

    def test_a_transient_failure_asking_the_call_leaves_the_job_pending(self):
        self.a.submit(self.question)
        for error in (exception.ServiceError("deadline exceeded"), exception.ConnectionError("no route"),
                      exception.InternalError("internal"), exception.ResourceExhaustedError("slow down")):
            self.cloud.fail_next("FunctionCall.get", error)
            [job] = self.a.status(self.jid)
            self.assertEqual((job["status"], job["error"]), ("PENDING", None), type(error).__name__)
            self.assertEqual(self.records()[self.jid]["status"], "PENDING")
        self.cloud.run(self.call_of(self.jid))
        self.cloud.fail_next("FunctionCall.get", exception.ServiceError("unavailable"))
        self.assertEqual(self.a.status(self.jid)[0]["status"], "READY", "the call wrote its result")
        self.assertEqual(len(self.cloud.spawned), 1)

    def test_a_call_that_failed_after_its_retries_is_failed(self):
        self.a.submit(self.question)
        with mock.patch.object(explanations, "explain", side_effect=RuntimeError("boom")):
            self.cloud.run(self.call_of(self.jid))
        [job] = self.a.status(self.jid)
        self.assertEqual(job["status"], "FAILED")
        self.assertEqual(job["error"], "RuntimeError: boom")

    def test_a_dict_that_cannot_be_read_fails_the_request_rather_than_guess(self):
        self.a.submit(self.question)
        self.cloud.fail_next("Dict.get", exception.ServiceError("unavailable"))
        with self.assertRaises(exception.ServiceError):
            self.a.status(self.jid)
        self.assertEqual(self.records()[self.jid]["status"], "PENDING")

    def test_a_spawn_that_fails_frees_the_attempt(self):
        self.cloud.fail_next("Function.spawn", exception.ServiceError("unavailable"))
        with self.assertRaises(exception.ServiceError):
            self.a.submit(self.question)
        self.assertNotIn(self.jid, self.records())
        [job] = self.a.submit(self.question)
        self.assertEqual((job["status"], job["attempts"]), ("PENDING", 1))
        self.assertEqual(len(self.cloud.spawned), 1)

    def test_a_claim_left_without_a_call_fails_after_the_grace_and_may_be_submitted_again(self):
        now = [1000.0]
        jobs = self.a.app.ModalJobs(self.a.app.jobs, self.a.app.explain_job, clock=lambda: now[0])
        self.a.app.jobs.put(self.jid, {"status": "PENDING", "attempts": 1, "createdAt": 1000.0,
                                       "claimedAt": 1000.0})   # its container died before spawning
        self.assertEqual(jobs.status_many([self.jid])[0]["status"], "PENDING")
        now[0] += self.a.app.START_GRACE_S
        [job] = jobs.status_many([self.jid])
        self.assertEqual(job["status"], "FAILED")
        self.assertIn("never started", job["error"])
        self.assertEqual(self.cloud.spawned, [])
        self.assertEqual(jobs.submit_many([self.question])[0]["attempts"], 2)
        self.assertEqual(self.cloud.spawned, [("explain_job", (self.jid, 2))])


class RaceTest(JobStoreCase):
    def test_two_containers_submitting_the_same_job_at_once_start_it_once(self):
        b = Container(self.cloud)
        # Both read "no job" before either claims it: each waits at its claim until the other gets there.
        self.cloud.hold("Dict.put", 2)
        first, second = in_threads(lambda: self.a.submit(self.question)[0], lambda: b.submit(self.question)[0])
        self.assertEqual(self.cloud.spawned, [("explain_job", (self.jid, 1))])
        record = self.records()[self.jid]
        for job in (first, second):
            self.assertEqual((job["id"], job["status"], job["attempts"]), (self.jid, "PENDING", 1))
            self.assertEqual(job["createdAt"], record["createdAt"], "the loser answers the winner's record")

    def test_two_containers_resubmitting_a_failed_job_at_once_start_one_attempt(self):
        b = Container(self.cloud)
        self.a.submit(self.question)
        self.cloud.fail(self.call_of(self.jid), RuntimeError("container died"))
        self.assertEqual(self.a.status(self.jid)[0]["status"], "FAILED")
        self.cloud.hold("Dict.put", 2)
        jobs = in_threads(lambda: self.a.submit(self.question)[0], lambda: b.submit(self.question)[0])
        self.assertEqual([(j["status"], j["attempts"]) for j in jobs], [("PENDING", 2)] * 2)
        self.assertEqual(self.cloud.spawned, [("explain_job", (self.jid, 1)), ("explain_job", (self.jid, 2))])


class BatchTest(JobStoreCase):
    def test_a_batch_of_100_ids_is_asked_at_once(self):
        codes = list(data.BOROUGHS)
        questions = [(codes[i % len(codes)], PERSONA_IDS[i % len(PERSONA_IDS)], {"budget": 1000 + i})
                     for i in range(100)]
        self.a.submit(*questions)
        ids = [explanations.job_id(*q) for q in questions]
        for jid in ids[::2]:
            self.cloud.run(self.call_of(jid))
        self.cloud.latency = 0.05   # each round trip; one after another, 100 ids would take over 10 s
        self.cloud.most_in_flight = 0
        started = time.monotonic()
        answer = handlers.explanation_status({"ids": ids}, self.a.jobs)
        elapsed = time.monotonic() - started
        self.assertEqual([j["id"] for j in answer["jobs"]], ids)
        self.assertEqual([j["status"] for j in answer["jobs"]], ["READY", "PENDING"] * 50)
        self.assertEqual(self.cloud.most_in_flight, 100, "every id's look-up under way at once")
        self.assertLess(elapsed, 2)

    def test_a_submit_of_99_questions_and_an_unknown_area_is_made_at_once(self):
        codes = list(data.BOROUGHS)
        requests = [{"areaCode": codes[i % len(codes)], "persona": "parent", "context": {"budget": 2000 + i}}
                    for i in range(99)]
        self.cloud.latency = 0.05
        answer = handlers.submit_explanations({"requests": requests + [{"areaCode": "nope", "persona": "parent"}]},
                                              self.a.jobs)
        self.assertEqual(len(self.cloud.spawned), 99)
        self.assertEqual([j and j["status"] for j in answer["jobs"]], ["PENDING"] * 99 + [None])
        self.assertEqual(self.cloud.most_in_flight, 99)


class SharedCapTest(JobStoreCase):
    def test_containers_together_never_take_more_than_the_limit_in_an_hour(self):
        b = Container(self.cloud)
        caps = [c.app.SharedHourlyCap(c.app.llm_calls) for c in (self.a, b)]
        hour = 3600 * 500000
        # Two first takers collide on the first key: one gets it, the other the next one.
        self.cloud.hold("Dict.put", 2)
        self.assertEqual(in_threads(*[lambda c=c: c.take(5, now=hour) for c in caps]), [True, True])
        taken = in_threads(*[lambda c=caps[i % 2]: c.take(5, now=hour + 10) for i in range(10)])
        self.assertEqual(taken.count(True), 3)
        self.assertFalse(caps[0].take(5, now=hour + 3599))
        self.assertTrue(caps[1].take(5, now=hour + 3600), "a new hour, a new count")
        self.assertEqual(sum(k.startswith(f"{hour // 3600}:") and not k.endswith("next")
                             for k in self.cloud.contents("veo-llm-calls")), 5)

    def test_a_cap_that_cannot_be_counted_grants_nothing(self):
        cap = self.a.app.SharedHourlyCap(self.a.app.llm_calls)
        self.cloud.fail_next("Dict.put", exception.ServiceError("unavailable"))
        with self.assertRaises(self.a.app.llm.LLMError):
            cap.take(5)

    def test_explain_jobs_in_two_containers_make_no_more_model_calls_than_the_cap(self):
        model = StandInServer(lambda path, headers, body: (200, {"choices": [{"message": {"content": "Fine."}}]}))
        self.addCleanup(model.close)
        self.enterContext(mock.patch.dict(os.environ, {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": model.url,
                                                       "LLM_MAX_CALLS_PER_HOUR": "3"}))
        b = Container(self.cloud)
        questions = [(CAMDEN, persona, {"budget": budget}) for persona in PERSONA_IDS for budget in (700, 800)]
        self.a.submit(*questions[:3])
        b.submit(*questions[3:])
        in_threads(*[lambda call_id=call_id: self.cloud.run(call_id) for call_id in self.cloud.calls])
        jobs = self.a.status(*[explanations.job_id(*q) for q in questions])
        self.assertEqual(sorted(j["source"] for j in jobs), ["LLM"] * 3 + ["TEMPLATE"] * 3)
        self.assertEqual(len(model.requests), 3)


class StrictStandInTest(unittest.TestCase):
    """The stand-in fails where the SDK does, so that a test catches the mistake in modal_app.py."""

    def setUp(self):
        self.modal = modal_stand_in.build()
        self.d = self.modal.Dict.from_name("d", create_if_missing=True)

    def test_wrong_arguments_are_type_errors(self):
        with self.assertRaises(TypeError):
            self.d.put("k", 1, if_not_exists=True)
        with self.assertRaises(TypeError):
            self.d.put("k", 1, True)    # skip_if_exists is keyword-only
        with self.assertRaises(TypeError):
            self.modal.Dict.from_name("d", True)
        with self.assertRaises(TypeError):
            self.modal.FunctionCall.from_id("fc-1").get(0, 0)
        with self.assertRaises(TypeError):
            self.modal.Retries(2)
        with self.assertRaises(TypeError):
            asyncio.run(self.d.put.aio("k", 1, skip_if_exist=True))
        self.assertEqual(self.modal.cloud.contents("d"), {})
        function = self.modal.App("x").function(timeout=1)(lambda: 1)
        with self.assertRaises(TypeError):
            function()    # a Function is called with .local(), .remote() or .spawn()
        with self.assertRaises(TypeError):
            self.modal.App("x").function(timeout_s=1)

    def test_dict_semantics(self):
        self.assertTrue(self.d.put("k", {"n": 1}, skip_if_exists=True))
        self.assertFalse(asyncio.run(self.d.put.aio("k", {"n": 2}, skip_if_exists=True)))
        value = self.d.get("k")
        value["n"] = 3
        self.assertEqual(self.d.get("k"), {"n": 1}, "a value read is a copy")
        with self.assertRaises(RuntimeError):
            self.modal.Dict()
        with self.assertRaises(exception.NotFoundError):
            self.modal.Dict.from_name("absent").get("k")

    def test_blocking_calls_on_an_event_loop_warn(self):
        async def blocking():
            return self.d.get("k")

        with self.assertWarns(exception.AsyncUsageWarning):
            asyncio.run(blocking())

    def outcome(self, edit=None):
        """A job submitted, asked while it runs, run, and asked again: each answer, or the error raised."""
        cloud = modal_stand_in.Cloud()
        container = Container(cloud, edit)
        question = (CAMDEN, "student", {})
        seen = []
        try:
            seen += [(job["status"], job["error"]) for job in container.submit(question)]
            seen += [(job["status"], job["error"]) for job in container.status(explanations.job_id(*question))]
            cloud.run_all()
            seen += [(job["status"], job["error"]) for job in container.status(explanations.job_id(*question))]
        except (TypeError, exception.AsyncUsageWarning) as error:
            seen.append(type(error).__name__)
        return seen

    def test_mistakes_in_modal_app_fail_here(self):
        with mock.patch.dict(os.environ, NO_LLM), mock.patch("sys.stderr"), warnings.catch_warnings():
            warnings.simplefilter("error", exception.AsyncUsageWarning)
            right = [("PENDING", None), ("PENDING", None), ("READY", None)]
            self.assertEqual(self.outcome(), right)
            for old, new in [("skip_if_exists=True", "if_not_exists=True"),      # the protocol's name
                             (".get.aio(timeout=0)", ".get.aio(0, 0)"),           # index is keyword-only
                             (".get.aio(timeout=0)", ".get.aio()"),                # waits for the end
                             ("await self.records.get.aio(jid)", "self.records.get(jid)")]:   # blocks the loop

                def edit(source, old=old, new=new):
                    self.assertIn(old, source)
                    return source.replace(old, new)

                self.assertNotEqual(self.outcome(edit), right, new)


if __name__ == "__main__":
    unittest.main()
