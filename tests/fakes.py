"""Stand-ins for outside services: Google's reCAPTCHA verifier, over HTTP and in process."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from getnative.errors import RecaptchaUnavailable
from getnative.likes.recaptcha import (
    RecaptchaExpectations,
    RecaptchaResult,
    RecaptchaVerifier,
    require_human_async,
)

# Token -> (HTTP status, body, seconds to sleep first) of the fake verifier.
FAKE_ANSWERS: dict[str, tuple[int, str, float]] = {
    "good": (200, json.dumps({"success": True, "score": 0.9, "action": "like"}), 0),
    "edge": (200, json.dumps({"success": True, "score": 0.5}), 0),
    "low": (200, json.dumps({"success": True, "score": 0.1}), 0),
    "bad": (200, json.dumps({"success": False, "error-codes": ["invalid-input-response"]}), 0),
    "v2": (200, json.dumps({"success": True}), 0),
    "garbage": (200, "<html>not json</html>", 0),
    "no-success": (200, json.dumps({"score": 0.9}), 0),
    "string-score": (200, json.dumps({"success": True, "score": "high"}), 0),
    "list": (200, "[1, 2]", 0),
    "http500": (500, json.dumps({"success": True, "score": 0.9}), 0),
    "slow": (200, json.dumps({"success": True, "score": 0.9}), 1.5),
    # Refused after 5 s: the slow-verifier test then needs no database connection per like.
    "very-slow": (200, json.dumps({"success": False}), 12.0),
    "hosted": (
        200,
        json.dumps({"success": True, "score": 0.9, "action": "like", "hostname": "likes.example"}),
        0,
    ),
    "other-action": (
        200,
        json.dumps(
            {"success": True, "score": 0.9, "action": "signup", "hostname": "likes.example"}
        ),
        0,
    ),
}


@dataclass
class FakeVerifierServer:
    url: str
    requests: list[dict[str, list[str]]] = field(default_factory=list)


class _BackloggedServer(ThreadingHTTPServer):
    """socketserver's default listen backlog of 5 drops connections under a burst."""

    request_queue_size = 128


@contextmanager
def fake_verifier_server() -> Iterator[FakeVerifierServer]:
    """Google's siteverify on 127.0.0.1:<random port>, answering by token (see FAKE_ANSWERS)."""
    received: list[dict[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            received.append(form)
            status, body, delay = FAKE_ANSWERS.get(
                form.get("response", [""])[0], FAKE_ANSWERS["bad"]
            )
            time.sleep(delay)
            payload = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (timeout test)
                pass

        def log_message(self, *_args: object) -> None:
            pass

    server = _BackloggedServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeVerifierServer(
            f"http://127.0.0.1:{server.server_address[1]}/siteverify", received
        )
    finally:
        server.shutdown()
        server.server_close()


class FakeVerifier:
    """An in-process verifier for route tests: answers by token like the fake server."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def verify(self, token: str, remote_ip: str | None) -> RecaptchaResult:
        self.calls.append((token, remote_ip))
        if token == "good":
            return RecaptchaResult(success=True, score=0.9)
        if token == "low":
            return RecaptchaResult(success=True, score=0.2)
        if token == "broken":
            raise RecaptchaUnavailable("verifier down")
        return RecaptchaResult(success=False)


def require_human(
    verifier: RecaptchaVerifier | None,
    token: str | None,
    *,
    remote_ip: str | None,
    min_score: float,
) -> None:
    """The routes' async rule, called from a sync test with only a minimum score expected."""
    asyncio.run(
        require_human_async(
            verifier, token, remote_ip=remote_ip, expected=RecaptchaExpectations(min_score)
        )
    )
