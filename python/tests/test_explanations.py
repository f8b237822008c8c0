"""Explanation jobs: deterministic ids, one job per question, recreation from the id, retries, LLM path."""
import base64
import json
import os
import threading
import time
import unittest
from unittest import mock

from engine import data, explanations, handlers, llm, template
from engine.enums import PERSONA_IDS
from tests.support import StandInServer

CAMDEN, CITY = "E09000007", "E09000001"
NO_LLM = {"OPENAI_API_KEY": ""}


def wait(store, jid, timeout=5):
    deadline = time.time() + timeout
    while True:
        job = store.status(jid)
        if job["status"] != "PENDING" or time.time() > deadline:
            return job
        time.sleep(0.01)


class JobIdTest(unittest.TestCase):
    def test_id_is_the_documented_encoding(self):
        jid = explanations.job_id(CAMDEN, "student", {"budget": 600, "size": "room"})
        canonical = json.dumps({"a": CAMDEN, "c": {"budget": 600, "size": "room"}, "d": data.DATA_VERSION,
                                "p": "student"}, sort_keys=True, separators=(",", ":"))
        expected = "ex1_" + base64.urlsafe_b64encode(canonical.encode()).decode().rstrip("=")
        self.assertEqual(jid, expected)
        self.assertNotIn("=", jid)
        self.assertEqual(jid, explanations.job_id(CAMDEN, "student", {"size": "room", "budget": 600}))
        self.assertNotEqual(jid, explanations.job_id(CAMDEN, "parent", {"budget": 600, "size": "room"}))

    def test_decoding(self):
        jid = explanations.job_id(CAMDEN, "student", {"commuteTo": 1})
        self.assertEqual(explanations.decode_job_id(jid), (CAMDEN, "student", {"commuteTo": 1}))
        for bad in ["", "ex1_", "ex1_!!!", "nope", "ex1_" + base64.urlsafe_b64encode(b"[1]").decode()]:
            self.assertIsNone(explanations.decode_job_id(bad), bad)

        def encode(question, **dump):
            return "ex1_" + base64.urlsafe_b64encode(json.dumps(question, **dump).encode()).decode().rstrip("=")

        question = {"a": CAMDEN, "c": {}, "d": data.DATA_VERSION, "p": "student"}
        self.assertIsNotNone(explanations.decode_job_id(encode(question, sort_keys=True, separators=(",", ":"))))
        # Another spelling of the same question, another data version, an unknown area: not ours.
        self.assertIsNone(explanations.decode_job_id(encode(question, sort_keys=True)))
        self.assertIsNone(explanations.decode_job_id(encode({**question, "d": "000000000000"}, sort_keys=True,
                                                            separators=(",", ":"))))
        self.assertIsNone(explanations.decode_job_id(encode({**question, "a": "E09999999"}, sort_keys=True,
                                                            separators=(",", ":"))))

    def test_null_context_values_and_integral_floats_give_the_same_id(self):
        jobs = RecordingJobs()
        first = handlers.submit_explanations({"requests": [
            {"areaCode": CAMDEN, "persona": "student", "context": {"budget": 600.0, "size": None}}]}, jobs)
        second = handlers.submit_explanations({"requests": [
            {"areaCode": CAMDEN, "persona": "student", "context": {"budget": 600}}]}, jobs)
        self.assertEqual(first["jobs"][0]["id"], second["jobs"][0]["id"])


@mock.patch.dict(os.environ, NO_LLM)
class StatusHandlerTest(unittest.TestCase):
    def setUp(self):
        self.store = explanations.JobStore()
        self.addCleanup(self.store.shutdown)

    def status(self, body):
        return handlers.explanation_status(body, self.store)

    def test_rebuild_defaults_to_false_and_must_be_a_boolean(self):
        crafted = explanations.job_id(CAMDEN, "developer", {"budget": 500000})
        self.assertEqual(self.status({"ids": [crafted]})["jobs"], [None])
        self.assertEqual(self.status({"ids": [crafted], "rebuild": False})["jobs"], [None])
        self.assertEqual(self.status({"ids": [crafted], "rebuild": None})["jobs"], [None])
        self.assertEqual(self.store._jobs, {})
        for bad in ("true", 1, 0, [], {}):
            with self.assertRaises(handlers.v.ApiError) as raised:
                self.status({"ids": [crafted], "rebuild": bad})
            self.assertEqual((raised.exception.code, raised.exception.field), ("INVALID_TYPE", "rebuild"))
        self.assertEqual(self.store._jobs, {})
        [job] = self.status({"ids": [crafted], "rebuild": True})["jobs"]
        self.assertEqual((job["id"], job["status"], job["areaCode"]), (crafted, "PENDING", CAMDEN))
        self.assertEqual(list(self.store._jobs), [crafted])


class RecordingJobs:
    def __init__(self):
        self.submitted = []

    def submit_many(self, questions):
        self.submitted += questions
        return [{"id": explanations.job_id(*question), "status": "PENDING"} for question in questions]


@mock.patch.dict(os.environ, NO_LLM)
class JobStoreTest(unittest.TestCase):
    def test_same_question_twice_is_one_job(self):
        release = threading.Event()
        runs = []

        def work(area, persona, ctx):
            runs.append(area)
            release.wait(5)
            return "text", "TEMPLATE"

        store = JobStore(work)
        first = store.submit(CAMDEN, "student", {"budget": 600})
        second = store.submit(CAMDEN, "student", {"budget": 600})
        self.assertEqual(first["id"], second["id"])
        self.assertEqual((first["status"], second["status"]), ("PENDING", "PENDING"))
        release.set()
        self.assertEqual(wait(store, first["id"])["status"], "READY")
        third = store.submit(CAMDEN, "student", {"budget": 600})
        self.assertEqual(third["status"], "READY")
        self.assertEqual(runs, [CAMDEN], "exactly one job ran")

    def test_an_id_unknown_to_a_fresh_engine_is_recreated_with_rebuild_and_completes(self):
        jid = JobStore().submit(CITY, "parent", {"budget": 2000, "commuteTo": 1})["id"]
        fresh = JobStore()
        started = fresh.status(jid, rebuild=True)
        self.assertEqual((started["status"], started["areaCode"], started["persona"]), ("PENDING", CITY, "parent"))
        self.assertEqual(started["context"], {"budget": 2000, "commuteTo": 1})
        done = wait(fresh, jid)
        self.assertEqual((done["status"], done["source"], done["error"]), ("READY", "TEMPLATE", None))
        self.assertEqual(done["text"], template.text(CITY, "parent", {"budget": 2000, "commuteTo": 1}))
        self.assertIsNone(fresh.status("ex1_not-a-real-id", rebuild=True))

    def test_without_rebuild_an_unknown_id_reads_nothing_and_starts_nothing(self):
        runs = []
        store = JobStore(lambda area, persona, ctx: runs.append(area) or ("text", "TEMPLATE"))
        # Built by hand exactly as the documented format says: decodable, for this data, never submitted.
        crafted = [explanations.job_id(code, persona, {}) for code in (CAMDEN, CITY) for persona in PERSONA_IDS]
        for jid in crafted + ["ex1_not-a-real-id", "nope"]:
            self.assertIsNone(store.status(jid), jid)
            self.assertIsNone(store.status(jid, rebuild=False), jid)
        self.assertEqual(store._jobs, {}, "no job was recorded")
        time.sleep(0.05)
        self.assertEqual(runs, [], "no work ran")

    def test_without_rebuild_an_existing_job_still_reads(self):
        store = JobStore(lambda area, persona, ctx: ("text", "TEMPLATE"))
        jid = store.submit(CAMDEN, "student", {})["id"]
        self.assertEqual(wait(store, jid)["status"], "READY")
        self.assertEqual(store.status(jid)["text"], "text")

    def test_a_failed_job_is_retried_by_submitting_again(self):
        attempts = []

        def flaky(area, persona, ctx):
            attempts.append(1)
            if len(attempts) == 1:
                raise RuntimeError("model went away")
            return "second time lucky", "TEMPLATE"

        store = JobStore(flaky)
        with mock.patch("sys.stderr"):  # the job logs its traceback there
            jid = store.submit(CAMDEN, "student", {})["id"]
            failed = wait(store, jid)
        self.assertEqual((failed["status"], failed["attempts"]), ("FAILED", 1))
        self.assertIn("model went away", failed["error"])
        self.assertIsNone(failed["text"])
        self.assertEqual(store.status(jid)["status"], "FAILED", "reading the status does not restart it")
        again = store.submit(CAMDEN, "student", {})
        self.assertEqual((again["status"], again["attempts"]), ("PENDING", 2))
        done = wait(store, jid)
        self.assertEqual((done["status"], done["text"], done["error"], done["attempts"]),
                         ("READY", "second time lucky", None, 2))
        self.assertEqual(done["createdAt"], failed["createdAt"])

    def test_old_finished_jobs_are_forgotten_and_recreated_on_demand(self):
        store = JobStore(lambda area, persona, ctx: (area, "TEMPLATE"))
        with mock.patch.object(explanations, "MAX_JOBS", 2):
            ids = []
            for code in (CAMDEN, CITY, "E09000033"):
                ids.append(store.submit(code, "student", {})["id"])
                wait(store, ids[-1])
            self.assertEqual(len(store._jobs), 2)
            self.assertNotIn(ids[0], store._jobs)
            self.assertIsNone(store.status(ids[0]), "a forgotten job is not rebuilt unasked")
            self.assertEqual(store.status(ids[0], rebuild=True)["status"], "PENDING")
            self.assertEqual(wait(store, ids[0])["text"], CAMDEN)


def JobStore(work=explanations.explain):
    return explanations.JobStore(work=work)


class TemplateTest(unittest.TestCase):
    def test_template_names_the_figures_it_uses(self):
        text = template.text(CAMDEN, "student", {"budget": 600, "commuteTo": 1})
        b = data.BOROUGHS[CAMDEN]
        self.assertIn("£845", text)
        self.assertIn("£600", text)
        self.assertIn(f"{b['crime_rate_per_1000_2014_15']:g} offences per 1,000", text)
        self.assertIn(f"averages {b['ptal_avg_2014']:g}", text)
        self.assertIn(f"{b['greenspace_pct_2005']:g}%", text)
        self.assertIn("Acton Town", text)

    def test_template_says_when_a_figure_is_missing(self):
        text = template.text(CITY, "student", {})
        self.assertIn("no median rent for a room", text)
        self.assertIn("No crime rate is published", text)

    def test_persona_decides_what_is_said(self):
        self.assertIn("GCSE", template.text(CAMDEN, "parent", {}))
        self.assertNotIn("GCSE", template.text(CAMDEN, "student", {}))
        developer = template.text(CAMDEN, "developer", {})
        self.assertIn("average house price", developer)
        self.assertIn(f"{data.HOUSE_PRICES[CAMDEN]['change_5y_pct']:+.1f}%", developer)


class LLMTest(unittest.TestCase):
    def setUp(self):
        self.cap = mock.patch.object(llm, "CAP", llm.HourlyCap())
        self.cap.start()
        self.addCleanup(self.cap.stop)

    def stand_in(self, reply):
        server = StandInServer(reply)
        self.addCleanup(server.close)
        return server

    def env(self, server, **extra):
        return mock.patch.dict(os.environ, {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.url + "/v1",
                                            "OPENAI_MODEL": "test-model", "LLM_TIMEOUT_S": "2", **extra})

    def test_asks_the_chat_endpoint_and_strips_markup(self):
        answer = ("## Camden for students\n\n**Rent** is *high*: a room costs `£845` a month, see "
                  "[the VOA data](https://example.org).<br>Crime is <b>above</b> average.")
        server = self.stand_in(lambda path, headers, body: (200, {"choices": [{"message": {"content": answer}}]}))
        with self.env(server):
            text, source = explanations.explain(CAMDEN, "student", {"budget": 600})
        self.assertEqual(source, "LLM")
        self.assertEqual(text, "Camden for students\n\nRent is high: a room costs £845 a month, see the VOA data."
                               "Crime is above average.")
        for mark in ("#", "**", "`", "<", ">", "](", "http"):
            self.assertNotIn(mark, text)
        [request] = server.requests
        self.assertEqual(request["path"], "/v1/chat/completions")
        self.assertEqual(request["headers"]["Authorization"], "Bearer sk-test")
        sent = json.loads(request["body"])
        self.assertEqual(sent["model"], "test-model")
        self.assertEqual([m["role"] for m in sent["messages"]], ["system", "user"])
        self.assertIn("Camden", sent["messages"][1]["content"])
        self.assertIn("£845", sent["messages"][1]["content"], "the model is given the area's figures")

    def test_a_failing_endpoint_is_retried_once_then_the_template_is_used(self):
        server = self.stand_in(lambda path, headers, body: (500, {"error": "down"}))
        with self.env(server), mock.patch("sys.stderr"):
            text, source = explanations.explain(CAMDEN, "student", {"budget": 600})
        self.assertEqual(source, "TEMPLATE")
        self.assertEqual(text, template.text(CAMDEN, "student", {"budget": 600}))
        self.assertEqual(len(server.requests), 2)

    def test_a_slow_endpoint_times_out_to_the_template(self):
        def slow(path, headers, body):
            time.sleep(1)
            return 200, {"choices": [{"message": {"content": "late"}}]}

        server = self.stand_in(slow)
        with self.env(server, LLM_TIMEOUT_S="0.2"), mock.patch("sys.stderr"):
            started = time.time()
            _text, source = explanations.explain(CAMDEN, "parent", {})
        self.assertEqual(source, "TEMPLATE")
        self.assertLess(time.time() - started, 1.5)

    def test_empty_or_malformed_answers_fall_back(self):
        server = self.stand_in(lambda path, headers, body: (200, {"choices": [{"message": {"content": "<p></p>"}}]}))
        with self.env(server), mock.patch("sys.stderr"):
            self.assertEqual(explanations.explain(CAMDEN, "student", {})[1], "TEMPLATE")
        server = self.stand_in(lambda path, headers, body: (200, {"unexpected": True}))
        with self.env(server), mock.patch("sys.stderr"):
            self.assertEqual(explanations.explain(CAMDEN, "student", {})[1], "TEMPLATE")

    def test_hourly_cap(self):
        server = self.stand_in(lambda path, headers, body: (200, {"choices": [{"message": {"content": "ok"}}]}))
        with self.env(server, LLM_MAX_CALLS_PER_HOUR="2"), mock.patch("sys.stderr"):
            sources = [explanations.explain(CAMDEN, "student", {})[1] for _ in range(3)]
        self.assertEqual(sources, ["LLM", "LLM", "TEMPLATE"])
        self.assertEqual(len(server.requests), 2)
        cap = llm.HourlyCap()
        self.assertTrue(cap.take(1, now=0))
        self.assertFalse(cap.take(1, now=3599))
        self.assertTrue(cap.take(1, now=3600.5))

    def test_job_records_the_llm_source(self):
        server = self.stand_in(lambda path, headers, body: (200, {"choices": [{"message": {"content": "Fine."}}]}))
        with self.env(server):
            store = explanations.JobStore()
            job = wait(store, store.submit(CAMDEN, "student", {})["id"])
        self.assertEqual((job["status"], job["source"], job["text"]), ("READY", "LLM", "Fine."))


if __name__ == "__main__":
    unittest.main()
