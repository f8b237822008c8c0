"""Bad input answers 400 with {error: {code, message, field}}, through the shared dispatch."""
import io
import json
import unittest
from contextlib import redirect_stderr
from unittest import mock

from engine import dispatch, explanations, handlers

# The dispatch serve.py builds. No request below starts a job: each explanation request is refused.
DISPATCHER = dispatch.Dispatcher(handlers.routes(explanations.JobStore()))


def post(path, body=None, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    status, headers, out = DISPATCHER.dispatch("POST", path, data)
    return status, json.loads(out)


class ErrorShapeTest(unittest.TestCase):
    def assertError(self, answer, status, code, field=None):
        got_status, body = answer
        self.assertEqual(got_status, status, body)
        self.assertEqual(set(body), {"error"})
        self.assertEqual(set(body["error"]), {"code", "message", "field"})
        self.assertEqual(body["error"]["code"], code, body)
        self.assertEqual(body["error"]["field"], field, body)
        self.assertTrue(body["error"]["message"])

    def test_bad_json(self):
        self.assertError(post("/areas", raw=b"{not json"), 400, "BAD_JSON")
        self.assertError(post("/areas", raw=b"[1, 2]"), 400, "BAD_JSON")
        self.assertError(post("/areas", raw=b'"text"'), 400, "BAD_JSON")
        self.assertError(post("/areas", raw=b"\xff\xfe"), 400, "BAD_JSON")
        body = b'{"persona": "student", "budget": NaN, "locationType": "rent"}'
        self.assertError(post("/recommend", raw=body), 400, "BAD_JSON")
        self.assertError(post("/recommend", raw=body.replace(b"NaN", b"Infinity")), 400, "BAD_JSON")

    def test_empty_body_is_an_empty_object(self):
        status, body = post("/areas", raw=b"")
        self.assertEqual(status, 200)
        self.assertEqual(len(body["areas"]), 33)

    def test_wrong_types(self):
        base = {"persona": "student", "budget": 600, "locationType": "rent"}
        self.assertError(post("/recommend", {**base, "budget": "600"}), 400, "INVALID_TYPE", "budget")
        self.assertError(post("/recommend", {**base, "budget": True}), 400, "INVALID_TYPE", "budget")
        self.assertError(post("/recommend", {**base, "weights": []}), 400, "INVALID_TYPE", "weights")
        self.assertError(post("/recommend", {**base, "weights": {"safety": False}}), 400, "INVALID_TYPE",
                         "weights.safety")
        self.assertError(post("/recommend", {**base, "commuteTo": True}), 400, "INVALID_TYPE", "commuteTo")
        self.assertError(post("/recommend", {**base, "limit": 2.5}), 400, "INVALID_TYPE", "limit")
        self.assertError(post("/areas", {"codes": "E09000007"}), 400, "INVALID_TYPE", "codes")
        self.assertError(post("/areas", {"codes": ["E09000007", 7]}), 400, "INVALID_TYPE", "codes.1")
        pairs = [{"from": "E09000007", "to": 1}] * 3 + [{"from": "E09000007", "to": "1"}]
        self.assertError(post("/commute", {"pairs": pairs}), 400, "INVALID_TYPE", "pairs.3.to")
        self.assertError(post("/commute", {"pairs": [{"from": "E09000007", "to": False}]}), 400, "INVALID_TYPE",
                         "pairs.0.to")
        self.assertError(post("/commute", {"pairs": ["x"]}), 400, "INVALID_TYPE", "pairs.0")
        self.assertError(post("/stations", {"ids": [1, True]}), 400, "INVALID_TYPE", "ids.1")
        self.assertError(post("/stations", {"search": 5}), 400, "INVALID_TYPE", "search")

    def test_missing_and_unknown_fields(self):
        self.assertError(post("/recommend", {"persona": "student", "locationType": "rent"}), 400, "MISSING_FIELD",
                         "budget")
        self.assertError(post("/recommend", {"persona": "student", "budget": None, "locationType": "rent"}), 400,
                         "MISSING_FIELD", "budget")
        self.assertError(post("/crime", {}), 400, "MISSING_FIELD", "codes")
        self.assertError(post("/commute", {"pairs": [{"from": "E09000007"}]}), 400, "MISSING_FIELD", "pairs.0.to")
        self.assertError(post("/areas", {"code": ["E09000007"]}), 400, "UNKNOWN_FIELD", "code")
        self.assertError(post("/recommend", {"persona": "student", "budget": 600, "locationType": "rent",
                                             "weights": {"parks": 1}}), 400, "UNKNOWN_FIELD", "weights.parks")
        self.assertError(post("/explanations", {"requests": [{"areaCode": "E09000007", "persona": "student",
                                                              "context": {"colour": "red"}}]}),
                         400, "UNKNOWN_FIELD", "requests.0.context.colour")
        self.assertError(post("/personas", {"x": 1}), 400, "UNKNOWN_FIELD", "x")

    def test_invalid_values(self):
        base = {"persona": "student", "budget": 600, "locationType": "rent"}
        self.assertError(post("/recommend", {**base, "budget": -5}), 400, "INVALID_VALUE", "budget")
        self.assertError(post("/recommend", {**base, "budget": 0}), 400, "INVALID_VALUE", "budget")
        self.assertError(post("/recommend", {**base, "budget": 100_000_001}), 400, "INVALID_VALUE", "budget")
        self.assertError(post("/recommend", raw=b'{"persona":"student","budget":1e400,"locationType":"rent"}'),
                         400, "INVALID_VALUE", "budget")
        self.assertError(post("/recommend", {**base, "size": "5bed"}), 400, "INVALID_VALUE", "size")
        self.assertError(post("/recommend", {**base, "locationType": "lease"}), 400, "INVALID_VALUE", "locationType")
        self.assertError(post("/recommend", {**base, "commuteTo": 99999}), 400, "INVALID_VALUE", "commuteTo")
        self.assertError(post("/recommend", {**base, "commuteTo": 1, "maxCommuteMinutes": 0}), 400, "INVALID_VALUE",
                         "maxCommuteMinutes")
        self.assertError(post("/recommend", {**base, "commuteTo": 1, "maxCommuteMinutes": 301}), 400,
                         "INVALID_VALUE", "maxCommuteMinutes")
        self.assertError(post("/recommend", {**base, "maxCommuteMinutes": 30}), 400, "MISSING_FIELD", "commuteTo")
        self.assertError(post("/recommend", {**base, "limit": 0}), 400, "INVALID_VALUE", "limit")
        self.assertError(post("/recommend", {**base, "limit": 34}), 400, "INVALID_VALUE", "limit")
        self.assertError(post("/recommend", {**base, "weights": {"safety": -1}}), 400, "INVALID_VALUE",
                         "weights.safety")
        self.assertError(post("/recommend", {**base, "weights": {"safety": 101}}), 400, "INVALID_VALUE",
                         "weights.safety")
        self.assertError(post("/stations", {"search": "x" * 101}), 400, "INVALID_VALUE", "search")

    def test_unknown_persona(self):
        self.assertError(post("/recommend", {"persona": "landlord", "budget": 600, "locationType": "rent"}),
                         400, "UNKNOWN_PERSONA", "persona")
        self.assertError(post("/explanations", {"requests": [{"areaCode": "E09000007", "persona": "landlord"}]}),
                         400, "UNKNOWN_PERSONA", "requests.0.persona")

    def test_batch_limits(self):
        self.assertError(post("/areas", {"codes": ["E09000007"] * 501}), 400, "BATCH_TOO_LARGE", "codes")
        self.assertEqual(post("/areas", {"codes": ["E09000007"] * 500})[0], 200)
        self.assertError(post("/crime", {"codes": ["x"] * 501}), 400, "BATCH_TOO_LARGE", "codes")
        self.assertError(post("/schools", {"codes": ["x"] * 501}), 400, "BATCH_TOO_LARGE", "codes")
        self.assertError(post("/stations", {"ids": [1] * 501}), 400, "BATCH_TOO_LARGE", "ids")
        self.assertError(post("/commute", {"pairs": [{"from": "x", "to": 1}] * 1001}), 400, "BATCH_TOO_LARGE",
                         "pairs")
        self.assertEqual(post("/commute", {"pairs": [{"from": "x", "to": 1}] * 1000})[0], 200)
        request = {"areaCode": "nope", "persona": "student"}
        self.assertError(post("/explanations", {"requests": [request] * 101}), 400, "BATCH_TOO_LARGE", "requests")
        self.assertError(post("/explanations/status", {"ids": ["x"] * 101}), 400, "BATCH_TOO_LARGE", "ids")

    def test_routes_and_methods(self):
        status, headers, out = DISPATCHER.dispatch("GET", "/nowhere", b"")
        self.assertEqual((status, json.loads(out)["error"]["code"]), (404, "NOT_FOUND"))
        status, headers, out = DISPATCHER.dispatch("GET", "/recommend", b"")
        self.assertEqual((status, json.loads(out)["error"]["code"]), (405, "METHOD_NOT_ALLOWED"))
        self.assertIn(("Allow", "POST"), headers)
        status, _headers, out = DISPATCHER.dispatch("POST", "/areas", b" " * (dispatch.MAX_BODY_BYTES + 1))
        self.assertEqual((status, json.loads(out)["error"]["code"]), (413, "PAYLOAD_TOO_LARGE"))
        self.assertEqual(DISPATCHER.dispatch("GET", "/health?probe=1", b"")[0], 200)
        self.assertEqual(DISPATCHER.dispatch("POST", "/personas", b"")[0], 200)

    def test_a_bug_answers_500_without_its_traceback(self):
        def broken(body):
            raise KeyError("secret detail")

        stderr = io.StringIO()
        with mock.patch.dict(DISPATCHER.routes, {("POST", "/areas"): broken}), redirect_stderr(stderr):
            status, _headers, out = DISPATCHER.dispatch("POST", "/areas", b"{}")
        self.assertEqual(status, 500)
        self.assertEqual(json.loads(out), {"error": {"code": "INTERNAL", "message": "internal error", "field": None}})
        self.assertNotIn(b"Traceback", out)
        self.assertNotIn(b"secret detail", out)
        self.assertIn("Traceback", stderr.getvalue())
        self.assertIn("secret detail", stderr.getvalue())


if __name__ == "__main__":
    unittest.main()
