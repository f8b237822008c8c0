"""The TypedDicts of engine/contract.py hold for the answers the engine really gives, on the real data."""
import functools
import json
import time
import types
import typing
import unittest
from unittest import mock

from engine import contract, data, dispatch, explanations, handlers

CAMDEN, CITY, BROMLEY = "E09000007", "E09000001", "E09000006"


hints_of = functools.lru_cache(maxsize=None)(typing.get_type_hints)


def problems(value, hint, where="answer"):
    """Where `value` does not fit the type `hint`: exact keys for a TypedDict, members for a Literal, etc."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if typing.is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not an object"]
        hints = hints_of(hint)
        found = [f"{where}.{k}: not in {hint.__name__}" for k in value if k not in hints]
        found += [f"{where}.{k}: missing" for k in hint.__required_keys__ if k not in value]
        for key in value.keys() & hints.keys():
            found += problems(value[key], hints[key], f"{where}.{key}")
        return found
    if origin is typing.Literal:
        return [] if value in args else [f"{where}: {value!r} not one of {args}"]
    if origin in (typing.Union, types.UnionType):
        return [] if any(not problems(value, arg, where) for arg in args) else [f"{where}: {value!r} fits no {hint}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0], f"{where}.{i}")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        return [p for k, v in value.items() for p in problems(k, args[0], f"{where} key") + problems(v, args[1], f"{where}.{k}")]
    if hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if hint is float:  # a JSON number: an int is fine, a bool is not
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    return [] if ok else [f"{where}: {value!r} is not {hint.__name__}"]


class ContractTest(unittest.TestCase):
    def assertFits(self, answer, hint):
        # Through JSON and back, as a client reads it.
        self.assertEqual(problems(json.loads(json.dumps(answer)), hint), [])

    def test_the_checker_sees_a_wrong_answer(self):
        health = handlers.health({})
        self.assertEqual(problems(health, contract.HealthAnswer), [])
        self.assertTrue(problems({**health, "extra": 1}, contract.HealthAnswer))
        self.assertTrue(problems({k: v for k, v in health.items() if k != "version"}, contract.HealthAnswer))
        self.assertTrue(problems({**health, "areas": True}, contract.HealthAnswer))
        self.assertTrue(problems({**health, "status": "fine"}, contract.HealthAnswer))

    def test_data_answers(self):
        self.assertFits(handlers.health({}), contract.HealthAnswer)
        self.assertFits(handlers.personas({}), contract.PersonasAnswer)
        self.assertFits(handlers.area_list({}), contract.AreasAnswer)
        every = data.AREA_CODES + ["nope"]
        self.assertFits(handlers.area_list({"codes": every}), contract.AreasAnswer)
        self.assertFits(handlers.crime({"codes": every}), contract.CrimeAnswer)
        self.assertFits(handlers.schools({"codes": every}), contract.SchoolsAnswer)
        self.assertFits(handlers.stations({}), contract.StationsAnswer)
        self.assertFits(handlers.stations({"ids": [1, 99999]}), contract.StationsAnswer)
        stations = sorted(data.STATIONS)[::10] + [99999]
        for code in every:
            pairs = [{"from": code, "to": s} for s in stations]
            self.assertFits(handlers.commutes({"pairs": pairs}), contract.CommuteAnswer)

    def test_recommend_answers(self):
        bank = next(s["id"] for s in data.STATIONS.values() if s["name"] == "Bank")
        amersham = next(s["id"] for s in data.STATIONS.values() if s["name"] == "Amersham")
        for persona in ("student", "parent", "developer"):
            for body in ({"budget": 900, "locationType": "rent"}, {"budget": 500000.5, "locationType": "buy"},
                         {"budget": 1500, "locationType": "rent", "size": "room", "commuteTo": bank,
                          "maxCommuteMinutes": 40, "limit": 3},
                         {"budget": 3000, "locationType": "rent", "commuteTo": amersham,
                          "weights": {"schools": 50, "priceGrowth": 0}}):
                self.assertFits(handlers.recommend({"persona": persona, **body}), contract.RecommendAnswer)

    def test_explanation_answers(self):
        def work(area, persona, ctx):
            if area == BROMLEY:
                raise RuntimeError("no text")
            return "text", "TEMPLATE"

        store = explanations.JobStore(work=work)
        self.addCleanup(store.shutdown)
        request = {"requests": [{"areaCode": CAMDEN, "persona": "student", "context": {"budget": 600.0, "size": None}},
                                {"areaCode": BROMLEY, "persona": "parent", "context": {"commuteTo": 1}},
                                {"areaCode": "nope", "persona": "developer"}]}
        with mock.patch("sys.stderr"):  # the failing job logs its traceback there
            submitted = handlers.submit_explanations(request, store)
            self.assertFits(submitted, contract.JobsAnswer)
            ids = [job["id"] for job in submitted["jobs"] if job]
            for _ in range(500):
                answer = handlers.explanation_status({"ids": ids + ["nope"]}, store)
                if all(job["status"] != "PENDING" for job in answer["jobs"] if job):
                    break
                time.sleep(0.01)
        self.assertEqual([job and job["status"] for job in answer["jobs"]], ["READY", "FAILED", None])
        self.assertEqual(answer["jobs"][0]["context"], {"budget": 600})
        self.assertFits(answer, contract.JobsAnswer)

    def test_error_answers(self):
        dispatcher = dispatch.Dispatcher(handlers.routes(explanations.JobStore()))
        for method, path, raw in [("POST", "/areas", b"{oops"), ("POST", "/areas", b'{"codes": 5}'),
                                  ("POST", "/crime", b"{}"), ("POST", "/nope", b""), ("GET", "/recommend", b""),
                                  ("POST", "/recommend", b'{"persona": "cat", "budget": 1, "locationType": "rent"}'),
                                  ("POST", "/areas", b" " * (dispatch.MAX_BODY_BYTES + 1))]:
            status, _headers, body = dispatcher.dispatch(method, path, raw)
            self.assertGreaterEqual(status, 400)
            self.assertEqual(problems(json.loads(body), contract.ErrorAnswer), [], path)


if __name__ == "__main__":
    unittest.main()
