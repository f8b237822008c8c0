"""modal_app.py imported with a stand-in `modal`: what it registers, and that its ASGI app serves ROUTES.

The job store's production cases (expiry, races, batches, the shared model cap) are in test_modal_jobs.py."""
import asyncio
import json
import os
import signal
import sys
import unittest
from unittest import mock

from engine import asgi, dispatch, explanations, handlers
from tests import modal_stand_in
from tests.support import DATA_DIR, StandInServer, call, start_server


def drive(app, method, path, body=b"", chunks=None):
    """Runs one HTTP request through an ASGI app with a hand-made scope, receive and send."""
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                for i, c in enumerate(chunks)] if chunks else [{"type": "http.request", "body": body}]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "path": path,
             "raw_path": path.encode(), "query_string": b"", "headers": [(b"content-type", b"application/json")]}
    asyncio.run(app(scope, receive, send))
    start, body_message = sent
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body_message["body"]


class ModalAppTest(unittest.TestCase):
    def setUp(self):
        self.cloud = modal_stand_in.Cloud()
        self.path_before_import = list(sys.path)
        self.modal_app = modal_stand_in.load_app(self.cloud)
        self.path_after_import = list(sys.path)
        self.app = self.modal_app.app
        self.jobs = self.modal_app.jobs
        self.asgi_app = self.app.functions["web"].local()   # what Modal calls in the container

    def test_app_and_image(self):
        self.assertEqual(self.app.name, "veo-engine")
        steps = dict(self.app.image.steps)
        self.assertEqual(steps["debian_slim"], {"python_version": "3.11"})
        self.assertEqual(steps["add_local_python_source"]["modules"], ("engine",))
        self.assertEqual(os.path.realpath(steps["add_local_dir"]["local_path"]), os.path.realpath(DATA_DIR))
        self.assertEqual(steps["add_local_dir"]["remote_path"], "/root/data")
        self.assertNotIn("pip_install", steps, "the engine needs no packages")

    def test_the_engine_package_is_shipped_not_found_through_sys_path(self):
        steps = [name for name, _options in self.app.image.steps]
        self.assertEqual(steps.count("add_local_python_source"), 1)
        self.assertEqual(self.path_after_import, self.path_before_import, "modal_app.py does not edit sys.path")

    def test_one_web_endpoint_behind_proxy_auth(self):
        webs = [f for f in self.app.functions.values() if f.web]
        self.assertEqual([f.fn.__name__ for f in webs], ["web"])
        kind, options = webs[0].web
        self.assertEqual(kind, "asgi_app")
        self.assertIs(options.get("requires_proxy_auth"), True)
        self.assertGreater(webs[0].options["timeout"], 0)
        self.assertIsInstance(self.asgi_app, asgi.AsgiApp)
        self.assertIsInstance(self.asgi_app.dispatcher, dispatch.Dispatcher)

    def test_explanation_jobs_function_and_dict(self):
        job = self.app.functions["explain_job"]
        self.assertEqual([s.name for s in job.options["secrets"]], ["veo-openai"])
        self.assertGreater(job.options["timeout"], 0)
        self.assertGreaterEqual(job.options["retries"].max_retries, 1)
        self.assertTrue(self.jobs.create_if_missing)
        self.assertTrue(self.modal_app.llm_calls.create_if_missing)

    def test_daily_cron_warms_the_bff_cache(self):
        warm = self.app.functions["warm_cache"]
        self.assertEqual(warm.options["schedule"].spec, "0 2 * * *")
        self.assertEqual([s.name for s in warm.options["secrets"]], ["veo-bff-admin"])
        self.assertGreaterEqual(warm.options["retries"].max_retries, 1)
        bff = StandInServer(lambda path, headers, body: (200, {"data": {"warmCache": {"warmed": 42}}}))
        self.addCleanup(bff.close)
        with mock.patch.dict(os.environ, {"BFF_URL": bff.url + "/graphql", "ADMIN_TOKEN": "admin-secret"}):
            self.assertEqual(warm.local(), {"warmed": 42})
        [request] = bff.requests
        self.assertEqual(request["path"], "/graphql")
        self.assertEqual(request["headers"]["Authorization"], "Bearer admin-secret")
        self.assertEqual(json.loads(request["body"]), {"query": "mutation { warmCache { warmed } }"})

    def test_cron_fails_loudly_on_graphql_errors(self):
        bff = StandInServer(lambda path, headers, body: (200, {"errors": [{"message": "forbidden"}]}))
        self.addCleanup(bff.close)
        with self.assertRaises(RuntimeError):
            self.modal_app.post_warm_cache(bff.url, "wrong")

    def test_every_route_reaches_the_handler_serve_py_serves(self):
        served = handlers.routes(explanations.JobStore())   # the table serve.py builds
        routes = self.asgi_app.dispatcher.routes
        self.assertEqual(set(routes), set(served))
        for (method, path), handler in served.items():
            if not path.startswith("/explanations"):   # those two are bound to each adapter's own job backend
                self.assertIs(routes[(method, path)], handler, path)
        for method, path in served:
            seen = []

            def recorder(body, route=(method, path)):
                seen.append(body)
                return {"route": list(route)}

            with mock.patch.dict(routes, {(method, path): recorder}):
                raw = b"" if method == "GET" else b'{"probe": 1}'
                status, headers, body = drive(self.asgi_app, method, path, raw)
            self.assertEqual((status, json.loads(body)), (200, {"route": [method, path]}), path)
            self.assertEqual(seen, [{} if method == "GET" else {"probe": 1}])
            self.assertEqual(int(headers["content-length"]), len(body))

    def test_answers_match_serve_py_byte_for_byte(self):
        proc, port = start_server()
        self.addCleanup(proc.communicate, timeout=5)
        self.addCleanup(proc.send_signal, signal.SIGTERM)
        requests = [("GET", "/health", None), ("POST", "/areas", {"codes": ["E09000007", "x"]}),
                    ("POST", "/commute", {"pairs": [{"from": "E09000006", "to": 1}]}),
                    ("POST", "/recommend", {"persona": "parent", "budget": 2500, "locationType": "rent"}),
                    ("POST", "/recommend", {"persona": "parent", "budget": -1, "locationType": "rent"}),
                    ("GET", "/recommend", None), ("POST", "/nope", {})]
        for method, path, body in requests:
            raw = b"" if body is None else json.dumps(body).encode()
            over_http = call(port, method, path, raw=raw if raw else None)
            status, _headers, over_asgi = drive(self.asgi_app, method, path, raw)
            self.assertEqual((status, over_asgi.decode()), (over_http[0], over_http[3]), path)

    def test_asgi_limits(self):
        status, headers, body = drive(self.asgi_app, "POST", "/areas", chunks=[b" " * (600 * 1024)] * 2)
        self.assertEqual((status, json.loads(body)["error"]["code"]), (413, "PAYLOAD_TOO_LARGE"))
        status, headers, body = drive(self.asgi_app, "POST", "/areas", chunks=[b'{"codes": ', b'["E09000007"]}'])
        self.assertEqual((status, json.loads(body)["areas"][0]["name"]), (200, "Camden"))
        status, headers, body = drive(self.asgi_app, "PUT", "/areas")
        self.assertEqual((status, headers["allow"]), (405, "POST"))

    def status(self, body):
        return json.loads(drive(self.asgi_app, "POST", "/explanations/status", json.dumps(body).encode())[2])["jobs"]

    def test_explanations_spawn_once_and_the_result_is_recorded(self):
        request = json.dumps({"requests": [{"areaCode": "E09000007", "persona": "student",
                                            "context": {"budget": 600}}]}).encode()
        _status, _headers, body = drive(self.asgi_app, "POST", "/explanations", request)
        job = json.loads(body)["jobs"][0]
        jid = explanations.job_id("E09000007", "student", {"budget": 600})
        self.assertEqual((job["id"], job["status"], job["attempts"]), (jid, "PENDING", 1))
        self.assertEqual(self.cloud.spawned, [("explain_job", (jid, 1))])
        self.assertEqual(self.jobs[jid]["status"], "PENDING")
        call_id = self.jobs[self.modal_app.call_key(jid)]
        # Same request again while the call runs (get(timeout=0) raises TimeoutError): no second spawn.
        drive(self.asgi_app, "POST", "/explanations", request)
        self.assertEqual(len(self.cloud.spawned), 1)
        self.assertEqual(self.status({"ids": [jid]})[0]["status"], "PENDING")
        # The spawned function's own body runs in its container and writes its result to the job's record.
        with mock.patch.dict(os.environ, {"OPENAI_API_KEY": ""}):
            self.cloud.run(call_id)
        self.assertEqual((self.jobs[jid]["status"], self.jobs[jid]["source"]), ("READY", "TEMPLATE"))
        ready = self.status({"ids": [jid]})[0]
        self.assertEqual((ready["status"], ready["source"], ready["attempts"]), ("READY", "TEMPLATE", 1))
        self.assertIn("£845", ready["text"])

    def test_failed_call_is_spawned_again_and_unknown_ids_recreated_only_with_rebuild(self):
        jid = explanations.job_id("E09000001", "parent", {})
        # An entry as jobs were kept before records: the call id, its first time and attempts.
        call = self.modal_app.explain_job.spawn(jid)
        self.cloud.fail(call.object_id, RuntimeError("container died"))
        self.jobs[jid] = {"callId": call.object_id, "createdAt": 1.0, "attempts": 1}
        self.cloud.spawned.clear()
        failed, garbage = self.status({"ids": [jid, "ex1_garbage"]})
        self.assertEqual(failed["status"], "FAILED")
        self.assertIn("container died", failed["error"])
        self.assertIsNone(garbage)
        self.assertEqual(self.cloud.spawned, [], "status alone does not restart a failed job")
        self.assertEqual(self.jobs[jid]["status"], "FAILED", "the end is recorded")
        request = json.dumps({"requests": [{"areaCode": "E09000001", "persona": "parent"}]}).encode()
        self.assertEqual(json.loads(drive(self.asgi_app, "POST", "/explanations", request)[2])["jobs"][0]["status"],
                         "PENDING")
        self.assertEqual(self.cloud.spawned, [("explain_job", (jid, 2))])
        second = self.jobs[self.modal_app.attempt_key(jid, 2)]
        self.assertEqual((second["status"], second["attempts"], second["createdAt"]), ("PENDING", 2, 1.0))
        self.assertEqual([(j["status"], j["attempts"]) for j in self.status({"ids": [jid]})], [("PENDING", 2)])
        # An id this deployment never saw, but can decode: null and nothing spawned, unless asked to rebuild.
        unseen = explanations.job_id("E09000033", "developer", {"budget": 900000})
        for body in ({"ids": [unseen]}, {"ids": [unseen], "rebuild": False}):
            self.assertEqual(self.status(body), [None])
        self.assertNotIn(unseen, self.jobs)
        self.assertEqual(self.cloud.spawned, [("explain_job", (jid, 2))])
        [job] = self.status({"ids": [unseen], "rebuild": True})
        self.assertEqual((job["status"], job["areaCode"]), ("PENDING", "E09000033"))
        self.assertIn(unseen, self.jobs)
        self.assertEqual(self.cloud.spawned[-1], ("explain_job", (unseen, 1)))

    def test_lifespan(self):
        sent = []
        messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

        async def receive():
            return messages.pop(0)

        async def send(message):
            sent.append(message["type"])

        asyncio.run(self.asgi_app({"type": "lifespan"}, receive, send))
        self.assertEqual(sent, ["lifespan.startup.complete", "lifespan.shutdown.complete"])


if __name__ == "__main__":
    unittest.main()
