"""A parent's webhook for tests: a real HTTP server on 127.0.0.1 (http.server, in a thread)
that checks the X-Jibao-Signature of every POST as the parent would (HMAC-SHA256 of the exact
body with the shared secret), records what it accepted, and answers 200 with its own
`received_at` (or `answer_status` / nothing at all when told). `stop()` and `start()` again
bind the same port: a parent that is down, then back."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Posted:
    """One POST the parent accepted."""

    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)


@dataclass
class WebhookStandin:
    """The parent's webhook endpoint."""

    secret: str
    port: int
    received_at: str | None = None  # what its 200 says; None: no body
    answer_status: int = 200
    posted: list[Posted] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # bad signatures
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the county posts."""
        return f"http://127.0.0.1:{self.port}/hooks/jibao"

    def start(self) -> None:
        """Listen (again) on the port."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                expected = (
                    "sha256=" + hmac.new(standin.secret.encode(), body, hashlib.sha256).hexdigest()
                )
                said = self.headers.get("X-Jibao-Signature", "")
                if not hmac.compare_digest(said, expected):
                    standin.refused.append(said)
                    self._answer(401, b'{"error": "bad signature"}')
                    return
                standin.posted.append(Posted(dict(self.headers.items()), body))
                answer = b""
                if standin.received_at is not None:
                    answer = json.dumps({"received_at": standin.received_at}).encode()
                self._answer(standin.answer_status, answer)

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: the parent is down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> WebhookStandin:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
