"""A fake insurer on loopback speaking the contract's exchange: POST /claims with HTTP Basic
and X-Terminal, answering {results:[{id, status, reason?}]}. It records what it received and
accepts each claim id once, however often it is sent (as a real insurer must)."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeInsurer:
    def __init__(self, *, delay: float = 0.0, mode: str = "ok", user: str | None = None,
                 password: str | None = None):
        self.delay, self.mode = delay, mode
        self.user, self.password = user, password
        self.requests: list[dict] = []  # each body answered, with its headers
        self.arrived = 0  # requests that reached it (before any delay)
        self.accepted: dict[int, int] = {}  # claim id -> times it was sent
        self.failures_left = 0  # with mode "flaky": answer 503 this many times first
        self.reject: set[str] = set()  # item codes to reject
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeInsurer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        insurer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: bytes, kind="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with insurer._lock:
                    insurer.arrived += 1
                if insurer.delay:
                    time.sleep(insurer.delay)
                if insurer.user is not None:
                    expected = base64.b64encode(
                        f"{insurer.user}:{insurer.password}".encode()).decode()
                    if self.headers.get("Authorization") != f"Basic {expected}":
                        return self._send(401, b'{"detail": "bad credentials"}')
                with insurer._lock:
                    if insurer.mode == "flaky" and insurer.failures_left > 0:
                        insurer.failures_left -= 1
                        return self._send(503, b"busy")
                if insurer.mode == "error":
                    return self._send(500, b"boom")
                if insurer.mode == "garbage":
                    return self._send(200, b"<html>not json</html>", "text/html")
                if insurer.mode == "hang":
                    time.sleep(30)
                body = json.loads(raw or b"{}")
                with insurer._lock:
                    insurer.requests.append({"body": body,
                                             "terminal": self.headers.get("X-Terminal")})
                    results = []
                    for claim in body.get("claims", []):
                        codes = {line["code"] for line in claim.get("lines", [])}
                        if codes & insurer.reject:
                            results.append({"id": claim["id"], "status": "rejected",
                                            "reason": "not in our list"})
                            continue
                        insurer.accepted[claim["id"]] = insurer.accepted.get(claim["id"], 0) + 1
                        results.append({"id": claim["id"], "status": "accepted"})
                return self._send(200, json.dumps({"results": results}).encode())

        return Handler
