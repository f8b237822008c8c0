"""Trace context: a call with a traceparent is logged with it and answered with the engine's Server-Timing,
by serve.py over a real port and by the Modal app's ASGI app; a call without one is answered as before."""
import asyncio
import io
import re
import signal
import time
import unittest
from unittest import mock

from engine import tracing
from tests import modal_stand_in
from tests.support import call, start_server

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TIMING = re.compile(r"^engine;start=(\d+\.\d{3});dur=(\d+\.\d{3})$")


def timing_of(header):
    match = TIMING.match(header)
    assert match, header
    return float(match.group(1)), float(match.group(2))


class TraceparentTest(unittest.TestCase):
    def test_valid_headers_are_kept_as_sent(self):
        self.assertEqual(tracing.parse_traceparent(TRACEPARENT), TRACEPARENT)
        self.assertEqual(tracing.parse_traceparent(f" {TRACEPARENT} "), TRACEPARENT)
        # A later version may add fields; version 00 may not.
        later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"
        self.assertEqual(tracing.parse_traceparent(later), later)

    def test_invalid_headers_are_none(self):
        for value in [None, "", "garbage", TRACEPARENT + "-extra", TRACEPARENT.upper(),
                      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"]:
            self.assertIsNone(tracing.parse_traceparent(value), value)

    def test_a_request_logs_its_line_and_gives_its_timing(self):
        clock, ticks, out = iter([1700000000.1234567]), iter([10.0, 10.0042]), io.StringIO()
        request = tracing.RequestTrace.start(TRACEPARENT, "POST", "/areas", clock=lambda: next(clock),
                                             timer=lambda: next(ticks), out=out)
        self.assertEqual(request.finish(200), "engine;start=1700000000123.457;dur=4.200")
        self.assertEqual(out.getvalue(), f"veo-engine: POST /areas 200 4.2 ms traceparent={TRACEPARENT}\n")

    def test_no_trace_without_a_valid_traceparent(self):
        self.assertIsNone(tracing.RequestTrace.start(None, "GET", "/health"))
        self.assertIsNone(tracing.RequestTrace.start("nonsense", "GET", "/health"))


class ServeTracingTest(unittest.TestCase):
    def test_serve_py_logs_the_traceparent_and_answers_its_timing(self):
        proc, port = start_server()
        try:
            before = time.time() * 1000
            status, headers, body, _text = call(port, "POST", "/areas", {"codes": ["E09000007"]},
                                                headers={"traceparent": TRACEPARENT})
            after = time.time() * 1000
            self.assertEqual(status, 200)
            self.assertEqual(body["areas"][0]["code"], "E09000007")
            start, duration = timing_of(headers["Server-Timing"])
            self.assertLessEqual(before - 1, start)
            self.assertLessEqual(start + duration, after + 1)
            # A refusal is timed too; a call without a traceparent is answered as before.
            status, headers, _body, _text = call(port, "POST", "/areas", raw=b"{", headers={"traceparent": TRACEPARENT})
            self.assertEqual(status, 400)
            timing_of(headers["Server-Timing"])
            status, headers, _body, _text = call(port, "POST", "/areas", {})
            self.assertEqual(status, 200)
            self.assertNotIn("Server-Timing", headers)
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=10)
        lines = err.splitlines()
        self.assertEqual(len(lines), 2, err)
        self.assertRegex(lines[0], rf"^veo-engine: POST /areas 200 \d+\.\d ms traceparent={TRACEPARENT}$")
        self.assertRegex(lines[1], rf"^veo-engine: POST /areas 400 \d+\.\d ms traceparent={TRACEPARENT}$")


def drive(app, headers):
    """One GET /health through an ASGI app; returns (status, headers)."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "path": "/health",
             "raw_path": b"/health", "query_string": b"", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], {k.decode(): v.decode() for k, v in sent[0]["headers"]}


class ModalTracingTest(unittest.TestCase):
    def test_the_modal_app_answers_a_traced_request_with_its_timing(self):
        web = modal_stand_in.load_app(modal_stand_in.Cloud()).app.functions["web"].local()
        with mock.patch("sys.stderr", new_callable=io.StringIO) as err:
            status, headers = drive(web, [(b"traceparent", TRACEPARENT.encode())])
            untraced_status, untraced = drive(web, [])
        self.assertEqual((status, untraced_status), (200, 200))
        timing_of(headers["server-timing"])
        self.assertNotIn("server-timing", untraced)
        self.assertRegex(err.getvalue(), rf"^veo-engine: GET /health 200 \d+\.\d ms traceparent={TRACEPARENT}\n$")
