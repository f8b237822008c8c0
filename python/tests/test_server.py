"""serve.py over a real port: every endpoint, every error code, keep-alive, quiet logs, clean shutdown."""
import base64
import http.client
import json
import os
import sys
import signal
import time
import unittest

from tests.support import call, start_server

CAMDEN = "E09000007"


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A short job delay so that a client can observe PENDING before READY.
        cls.proc, cls.port = start_server({"EXPLAIN_DELAY_MS": "300"})
        cls.bodies = []

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        cls.proc.communicate(timeout=10)

    def call(self, method, path, body=None, raw=None, headers=None, conn=None):
        status, headers, parsed, text = call(self.port, method, path, body, raw, headers, conn)
        self.bodies.append(text)
        self.assertNotIn("Traceback", text)
        return status, headers, parsed

    def assertError(self, answer, status, code, field=None):
        got, _headers, body = answer
        self.assertEqual(got, status, body)
        self.assertEqual(body["error"]["code"], code)
        self.assertEqual(body["error"]["field"], field)

    def test_every_endpoint_answers_on_real_data(self):
        status, headers, health = self.call("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual((health["status"], health["areas"], health["stations"]), ("ok", 33, 302))
        self.assertEqual(len(self.call("GET", "/personas")[2]["personas"]), 3)
        self.assertEqual(len(self.call("POST", "/personas", {})[2]["personas"]), 3)
        self.assertEqual(len(self.call("POST", "/areas", {})[2]["areas"]), 33)
        self.assertEqual(self.call("POST", "/crime", {"codes": [CAMDEN]})[2]["crime"][0]["code"], CAMDEN)
        self.assertEqual(self.call("POST", "/schools", {"codes": [CAMDEN]})[2]["schools"][0]["code"], CAMDEN)
        trip = self.call("POST", "/commute", {"pairs": [{"from": CAMDEN, "to": 1}]})[2]["commutes"][0]
        self.assertGreater(trip["minutes"], 0)
        self.assertTrue(self.call("POST", "/stations", {"search": "bank"})[2]["stations"])
        ranked = self.call("POST", "/recommend", {"persona": "student", "budget": 600, "locationType": "rent"})[2]
        self.assertEqual(ranked["total"] + len(ranked["excluded"]), 33)
        for _status, _headers, answer in [self.call("GET", "/health")]:
            self.assertEqual(answer["version"], "1.0.0")

    def test_explanation_is_pending_then_ready(self):
        request = {"requests": [{"areaCode": CAMDEN, "persona": "student", "context": {"budget": 650}},
                                {"areaCode": "nope", "persona": "student"}]}
        status, _headers, submitted = self.call("POST", "/explanations", request)
        self.assertEqual(status, 200)
        job, missing = submitted["jobs"]
        self.assertIsNone(missing)
        self.assertEqual(job["status"], "PENDING")
        self.assertEqual(self.call("POST", "/explanations", request)[2]["jobs"][0], job)
        deadline = time.time() + 5
        while True:
            found = self.call("POST", "/explanations/status", {"ids": [job["id"], "garbage"]})[2]["jobs"]
            self.assertIsNone(found[1])
            if found[0]["status"] != "PENDING" or time.time() > deadline:
                break
            time.sleep(0.05)
        ready = found[0]
        self.assertEqual((ready["status"], ready["source"], ready["attempts"]), ("READY", "TEMPLATE", 1))
        self.assertIn("£845", ready["text"])
        self.assertGreaterEqual(ready["finishedAt"] - ready["createdAt"], 0.3)

    def test_status_of_a_hand_built_id_starts_nothing_without_rebuild(self):
        version = self.call("GET", "/health")[2]["dataVersion"]
        crafted = "ex1_" + base64.urlsafe_b64encode(json.dumps(
            {"a": CAMDEN, "c": {"budget": 123}, "d": version, "p": "parent"},
            sort_keys=True, separators=(",", ":")).encode()).decode().rstrip("=")
        for _ in range(3):
            self.assertEqual(self.call("POST", "/explanations/status", {"ids": [crafted]})[2]["jobs"], [None])
        self.assertError(self.call("POST", "/explanations/status", {"ids": [crafted], "rebuild": "yes"}),
                         400, "INVALID_TYPE", "rebuild")
        # Had a read started it, submitting now would answer that job, created before this call.
        before = time.time()
        [job] = self.call("POST", "/explanations", {"requests": [
            {"areaCode": CAMDEN, "persona": "parent", "context": {"budget": 123}}]})[2]["jobs"]
        self.assertEqual((job["id"], job["attempts"]), (crafted, 1))
        self.assertGreaterEqual(job["createdAt"], before - 0.01)
        rebuilt = self.call("POST", "/explanations/status", {"ids": [crafted], "rebuild": True})[2]["jobs"][0]
        self.assertEqual((rebuilt["createdAt"], rebuilt["attempts"]), (job["createdAt"], 1))

    def test_every_error_code(self):
        base = {"persona": "student", "budget": 600, "locationType": "rent"}
        self.assertError(self.call("POST", "/recommend", raw=b"{oops"), 400, "BAD_JSON")
        self.assertError(self.call("POST", "/recommend", raw=b'{"budget": NaN}'), 400, "BAD_JSON")
        self.assertError(self.call("POST", "/recommend", {**base, "budget": "600"}), 400, "INVALID_TYPE", "budget")
        self.assertError(self.call("POST", "/recommend", {**base, "budget": True}), 400, "INVALID_TYPE", "budget")
        self.assertError(self.call("POST", "/recommend", {"persona": "student"}), 400, "MISSING_FIELD", "budget")
        self.assertError(self.call("POST", "/recommend", {**base, "colour": 1}), 400, "UNKNOWN_FIELD", "colour")
        self.assertError(self.call("POST", "/recommend", {**base, "persona": "cat"}), 400, "UNKNOWN_PERSONA",
                         "persona")
        self.assertError(self.call("POST", "/recommend", {**base, "budget": -1}), 400, "INVALID_VALUE", "budget")
        self.assertError(self.call("POST", "/commute", {"pairs": [{"from": "x", "to": 1}] * 1001}), 400,
                         "BATCH_TOO_LARGE", "pairs")
        self.assertError(self.call("POST", "/nowhere", {}), 404, "NOT_FOUND")
        status, headers, body = self.call("GET", "/recommend")
        self.assertError((status, headers, body), 405, "METHOD_NOT_ALLOWED")
        self.assertEqual(headers["Allow"], "POST")
        self.assertError(self.call("DELETE", "/health"), 405, "METHOD_NOT_ALLOWED")
        huge = b'{"codes": ["' + b"x" * (1024 * 1024) + b'"]}'
        self.assertError(self.call("POST", "/areas", raw=huge), 413, "PAYLOAD_TOO_LARGE")
        self.assertFalse(any("Traceback" in text for text in self.bodies))

    def test_keep_alive_reuses_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        self.call("GET", "/health", conn=conn)
        sock = conn.sock
        self.assertIsNotNone(sock)
        for body in ({}, {"codes": [CAMDEN]}, {"codes": 5}):
            status, headers, _ = self.call("POST", "/areas", body, conn=conn)
            self.assertIn("Content-Length", headers)
            self.assertIs(conn.sock, sock, "the server closed a kept-alive connection")
        self.assertError(self.call("POST", "/nope", {}, conn=conn), 404, "NOT_FOUND")
        self.assertIs(conn.sock, sock)
        conn.close()

    def test_chunked_body(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("POST", "/areas", body=iter([b'{"codes": ', b'["E09000007"]}']),
                     headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, encode_chunked=True)
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        self.assertIn(b"Camden", response.read())
        conn.close()


class LifecycleTest(unittest.TestCase):
    def stop(self, sig):
        proc, port = start_server()
        self.assertEqual(call(port, "GET", "/health")[0], 200)
        call(port, "POST", "/recommend", {"persona": "nobody"})
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=5)
        return proc.returncode, out, err

    def test_sigterm_exits_cleanly_and_quietly(self):
        code, out, err = self.stop(signal.SIGTERM)
        self.assertEqual(code, 0)
        self.assertEqual(out, "", "only the listening line goes to stdout")
        self.assertEqual(err, "", "no access log line per request without --verbose")

    def test_sigint_exits_cleanly(self):
        code, _out, err = self.stop(signal.SIGINT)
        self.assertEqual(code, 0)
        self.assertNotIn("Traceback", err)

    def test_verbose_logs_one_line_per_request(self):
        proc, port = start_server(args=["--verbose"])
        call(port, "GET", "/health")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=5)
        self.assertEqual(proc.returncode, 0)
        self.assertIn('"GET /health HTTP/1.1" 200', err)


if __name__ == "__main__":
    unittest.main()


class ExitWithStdinTest(unittest.TestCase):
    def test_the_engine_stops_when_its_parent_closes_stdin(self):
        import subprocess
        serve = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "serve.py")
        proc = subprocess.Popen([sys.executable, serve, "--port", "0", "--exit-with-stdin"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            self.assertIn("listening", proc.stdout.readline().decode())
            proc.stdin.close()
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
