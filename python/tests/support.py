"""Shared test helpers: the engine server as a subprocess, and recording stand-in HTTP servers."""
import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVE = os.path.join(ENGINE_DIR, "serve.py")
DATA_DIR = os.path.join(ENGINE_DIR, "data")
LISTENING = re.compile(r"^veo-engine listening on http://127\.0\.0\.1:(\d+)$")


def start_server(extra_env=None, args=(), timeout=10, cwd=None):
    """Starts serve.py on a free port; returns (process, port) once it printed its listening line."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENAI_API_KEY", "EXPLAIN_DELAY_MS", "EXPLAIN_FAILURES")}
    env.update(extra_env or {})
    proc = subprocess.Popen([sys.executable, SERVE, "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        proc.kill()
        raise AssertionError("serve.py did not print its listening line")
    match = LISTENING.match(line.rstrip("\n"))
    if not match:
        proc.kill()
        raise AssertionError(f"unexpected first line: {line!r}")
    return proc, int(match.group(1))


def call(port, method, path, body=None, raw=None, headers=None, conn=None):
    """(status, headers dict, parsed JSON or None, raw text). Reuses `conn` when given."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, body=data, headers=all_headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8")
    if own:
        conn.close()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return response.status, dict(response.getheaders()), parsed, text


class StandInServer:
    """A local HTTP server that records each request and answers what the test tells it to.

    `reply(path, headers, body_bytes)` returns (status, payload dict) and may sleep to simulate a timeout.
    """

    def __init__(self, reply):
        self.requests = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stand_in.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, payload = reply(self.path, self.headers, body)
                out = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # don't wait for a deliberately slow reply
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def json_bodies(self):
        return [json.loads(r["body"]) for r in self.requests]
