"""EXPLAIN_DELAY_MS and EXPLAIN_FAILURES: honoured by serve.py through client_test_hooks, ignored by the engine."""
import glob
import os
import signal
import time
import unittest
from unittest import mock

import client_test_hooks
from engine import explanations
from tests.support import ENGINE_DIR, call, start_server

CAMDEN = "E09000007"
NO_LLM = {"OPENAI_API_KEY": ""}


def text_work(area, persona, ctx):
    return "text", "TEMPLATE"


def wait(read, timeout=5):
    """The job `read()` answers once it is no longer PENDING (or the last one seen at the deadline)."""
    deadline = time.time() + timeout
    while True:
        job = read()
        if job["status"] != "PENDING" or time.time() > deadline:
            return job
        time.sleep(0.01)


@mock.patch.dict(os.environ, NO_LLM)
class HooksTest(unittest.TestCase):
    def store(self, env):
        store = explanations.JobStore(work=client_test_hooks.work_from_env(explanations.explain, env))
        self.addCleanup(store.shutdown)
        return store

    def test_delay_keeps_a_job_pending(self):
        store = self.store({"EXPLAIN_DELAY_MS": "200"})
        jid = store.submit(CAMDEN, "developer", {})["id"]
        time.sleep(0.05)
        self.assertEqual(store.status(jid)["status"], "PENDING")
        self.assertEqual(wait(lambda: store.status(jid))["status"], "READY")

    def test_the_first_n_jobs_fail_then_jobs_succeed(self):
        store = self.store({"EXPLAIN_FAILURES": "1"})
        with mock.patch("sys.stderr"):  # the failed job logs its traceback there
            jid = store.submit(CAMDEN, "student", {})["id"]
            failed = wait(lambda: store.status(jid))
        self.assertEqual(failed["status"], "FAILED")
        self.assertIn("EXPLAIN_FAILURES", failed["error"])
        store.submit(CAMDEN, "student", {})
        done = wait(lambda: store.status(jid))
        self.assertEqual((done["status"], done["source"], done["attempts"]), ("READY", "TEMPLATE", 2))
        other = store.submit(CAMDEN, "parent", {})["id"]
        self.assertEqual(wait(lambda: store.status(other))["status"], "READY", "only the first job failed")

    def test_unset_zero_or_not_a_number_leaves_the_work_as_it_is(self):
        for env in ({}, {"EXPLAIN_DELAY_MS": "0", "EXPLAIN_FAILURES": "0"},
                    {"EXPLAIN_DELAY_MS": "soon", "EXPLAIN_FAILURES": "-3"}, {"EXPLAIN_DELAY_MS": ""}):
            self.assertIs(client_test_hooks.work_from_env(text_work, env), text_work, env)

    def test_only_serve_py_knows_the_hooks(self):
        production = glob.glob(os.path.join(ENGINE_DIR, "engine", "*.py")) + [os.path.join(ENGINE_DIR, "modal_app.py")]
        for path in production:
            with open(path, encoding="utf-8") as f:
                source = f.read()
            for word in ("client_test_hooks", "EXPLAIN_DELAY_MS", "EXPLAIN_FAILURES"):
                self.assertNotIn(word, source, os.path.basename(path))

    def test_the_engine_itself_ignores_the_variables(self):
        with mock.patch.dict(os.environ, {"EXPLAIN_DELAY_MS": "5000", "EXPLAIN_FAILURES": "5"}):
            store = explanations.JobStore()
            self.addCleanup(store.shutdown)
            jid = store.submit(CAMDEN, "student", {})["id"]
            done = wait(lambda: store.status(jid), timeout=2)
        self.assertEqual((done["status"], done["error"]), ("READY", None))


class ServeHonoursTheHooksTest(unittest.TestCase):
    def test_serve_py_fails_the_first_job_then_retries_it(self):
        proc, port = start_server({"EXPLAIN_FAILURES": "1"})
        self.addCleanup(proc.communicate, timeout=5)
        self.addCleanup(proc.send_signal, signal.SIGTERM)
        request = {"requests": [{"areaCode": CAMDEN, "persona": "student"}]}
        [job] = call(port, "POST", "/explanations", request)[2]["jobs"]

        def read():
            return call(port, "POST", "/explanations/status", {"ids": [job["id"]]})[2]["jobs"][0]

        failed = wait(read)
        self.assertEqual(failed["status"], "FAILED")
        self.assertEqual(failed["error"], "RuntimeError: failure injected by EXPLAIN_FAILURES")
        self.assertEqual(call(port, "POST", "/explanations", request)[2]["jobs"][0]["attempts"], 2)
        self.assertEqual(wait(read)["status"], "READY")


if __name__ == "__main__":
    unittest.main()
