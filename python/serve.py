#!/usr/bin/env python3
"""The engine over HTTP on the standard library, for local use (the BFF starts it as a child process).

    python3 python/serve.py [--host 127.0.0.1] [--port 8787] [--verbose]

Prints one line, `veo-engine listening on http://HOST:PORT`, once it accepts connections (--port 0 picks
a free port). Stops cleanly on SIGTERM or SIGINT with exit status 0. A request that carries a W3C
`traceparent` is logged on stderr and answered with its Server-Timing (engine/tracing.py).

Run as a script, Python puts this file's folder first on sys.path, so the `engine` package beside it
imports from any working directory.
"""
import argparse
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import client_test_hooks
from engine import dispatch, explanations, handlers, tracing

DRAIN_LIMIT_BYTES = 16 * 1024 * 1024  # an oversized body up to this is read and dropped before the 413
IDLE_TIMEOUT_S = 120  # a kept-alive connection that stays silent this long is closed


class _BodyTooLarge(Exception):
    pass


class EngineRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the Node client can reuse connections
    # Headers and body go out as two writes; with Nagle's algorithm on, the second waits for the client's
    # delayed ACK (about 40 ms) on every other request of a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "veo-engine"
    timeout = IDLE_TIMEOUT_S
    server: "EngineServer"  # holds the dispatcher and the --verbose switch
    _trace: tracing.RequestTrace | None = None  # the request being answered, when the BFF traces it

    def __getattr__(self, name):
        # Every method (PUT, DELETE, OPTIONS, ...) goes through one dispatch, which answers 404 or 405.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self):
        self._trace = tracing.RequestTrace.start(self.headers.get("traceparent"), self.command, self.path)
        handler, refusal = self.server.dispatcher.route(self.command, self.path)
        if refusal:
            self._discard_body()
            return self._send(*refusal)
        try:
            raw = self._read_body()
        except _BodyTooLarge:
            # Read and drop what the client is still sending (up to a bound), so it gets to read the 413
            # instead of a broken pipe; the connection is closed after it either way.
            self._drain(DRAIN_LIMIT_BYTES)
            self.close_connection = True
            return self._send(*dispatch.too_large())
        except (ValueError, OSError):
            self.close_connection = True
            return self._send(400, {"error": {"code": "BAD_JSON", "message": "unreadable body", "field": None}})
        self._send(*dispatch.run(handler, self.command, raw))

    def handle_expect_100(self):
        # Refuse an oversized body before the client sends it, rather than after "100 Continue".
        handler, _refusal = self.server.dispatcher.route(self.command, self.path)
        length = self.headers.get("Content-Length", "")
        if handler and length.isdigit() and int(length) > dispatch.MAX_BODY_BYTES:
            self.close_connection = True
            self._send(*dispatch.too_large())
            return False
        return super().handle_expect_100()

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > dispatch.MAX_BODY_BYTES:
            raise _BodyTooLarge()
        return self.rfile.read(length)

    def _read_chunked(self):
        body = bytearray()
        while True:
            size = int(self.rfile.readline(64).split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers
                    pass
                return bytes(body)
            if len(body) + size > dispatch.MAX_BODY_BYTES:
                raise _BodyTooLarge()
            body += self.rfile.read(size)
            self.rfile.readline(8)

    def _drain(self, limit):
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) <= limit:
            left = int(length)
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    return
                left -= len(chunk)

    def _discard_body(self):
        try:
            self._read_body()
        except (_BodyTooLarge, ValueError, OSError):
            self.close_connection = True

    def _send(self, status, payload):
        status, headers, body = self.server.dispatcher.respond(status, payload, self.path)
        if self._trace:
            # Its own request only: the handler object serves every request of a kept-alive connection.
            headers.append(("Server-Timing", self._trace.finish(status)))
            self._trace = None
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code, message=None, explain=None):
        # Malformed HTTP (bad request line, huge headers) still answers the contract's JSON error shape.
        codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE", 414: "PAYLOAD_TOO_LARGE",
                 431: "PAYLOAD_TOO_LARGE", 400: "BAD_JSON"}
        self.close_connection = True
        self.log_error("code %d, message %s", code, message)
        payload = {"error": {"code": codes.get(code, "INTERNAL"), "message": message or "bad request", "field": None}}
        status, headers, body = self.server.dispatcher.respond(code, payload)
        self.send_response(code, message)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    def log_message(self, format, *args):
        # Quiet by default: requests, timeouts and malformed HTTP are logged only with --verbose.
        # Bugs still reach stderr as tracebacks (see engine/dispatch.py).
        if self.server.verbose:
            super().log_message(format, *args)


class EngineServer(ThreadingHTTPServer):
    """Holds what every request needs: the dispatcher over the engine's routes, and the --verbose switch."""
    daemon_threads = True
    request_queue_size = 128  # the BFF opens several connections at once

    def __init__(self, address, dispatcher: dispatch.Dispatcher, verbose: bool = False):
        self.dispatcher = dispatcher
        self.verbose = verbose
        super().__init__(address, EngineRequestHandler)


class EngineServer6(EngineServer):
    address_family = socket.AF_INET6


def _stop_at_eof(server):
    while sys.stdin.buffer.read(4096):
        pass
    server.shutdown()


def main(argv=None):
    parser = argparse.ArgumentParser(description="veo engine HTTP server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    parser.add_argument("--verbose", action="store_true", help="log one line per request on stderr")
    parser.add_argument("--exit-with-stdin", action="store_true",
                        help="stop when stdin closes: a parent that holds the pipe takes the engine with it, "
                             "even when it is killed without a chance to stop it")
    args = parser.parse_args(argv)

    # Jobs run in this process; the client test hooks act only when their variables are set.
    jobs = explanations.JobStore(work=client_test_hooks.work_from_env(explanations.explain))
    server_class = EngineServer6 if ":" in args.host else EngineServer
    server = server_class((args.host, args.port), dispatch.Dispatcher(handlers.routes(jobs)), args.verbose)
    host = f"[{args.host}]" if ":" in args.host else args.host

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return, so it must run on another thread. Raising from the
        # handler instead could land inside the server's own `except Exception` and be swallowed.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_stdin:
        threading.Thread(target=_stop_at_eof, args=(server,), daemon=True).start()
    print(f"veo-engine listening on http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)  # how soon a stop request is noticed
    finally:
        server.server_close()
        jobs.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Jobs live in memory and die with the process: don't wait for a running model call to finish.
    os._exit(0)


if __name__ == "__main__":
    main()
