"""A local HTTP server that records what it receives: a client app's webhook receiver (verifying
each delivery with the ``standardwebhooks`` package, as docs/webhooks.md tells clients to) or a CDN
accepting purges. ``status`` is what it answers; ``stop()`` / ``start()`` take it down and bring it
back on the same port (a receiver that is down: connection refused)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class LocalServer(ThreadingHTTPServer):
    """A test's local HTTP server. A client that gave up before the answer (a timeout a test provokes) is
    not an error: its broken pipe is not printed, which it was, outside any test, once stopping the server
    no longer waited half a second for the late handler."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def serve(server: ThreadingHTTPServer) -> None:
    """Serves ``server`` on a daemon thread. It checks for ``shutdown()`` every 10 ms: at the default
    half second, stopping a test's server cost each test that used one 0.5 s (82 tests, 34 s)."""
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    verified: dict | None = None
    error: str = ""


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    status: int = 200
    received: list[Received] = field(default_factory=list)
    # Called with each request as it arrives, before the answer: a CDN that refetches on a purge.
    on_request: Callable[[Received], None] | None = None
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                for secret in receiver.secrets:
                    try:
                        record.verified = Webhook(secret).verify(body, record.headers)
                        break
                    except WebhookVerificationError as exc:
                        record.error = str(exc)
                receiver.received.append(record)
                if receiver.on_request is not None:
                    receiver.on_request(record)
                answer = json.dumps({"ok": receiver.status < 300}).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_PURGE = _handle

            def log_message(self, *args) -> None:
                pass

        self._server = LocalServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        serve(self._server)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[str]:
        """The event types received and verified, in arrival order."""
        return [r.verified["type"] for r in self.received if r.verified]

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received if r.verified]
