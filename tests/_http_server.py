"""A real, scriptable HTTP/1.1 server on 127.0.0.1 for transport tests.

Each test queues replies (``server.script(Reply(503), Reply(503), Reply(200))``);
once the queue is empty the default reply is used.  A reply may also be a
callable that receives the recorded request, for dynamic answers such as
pagination.  Every request and every TCP connection is recorded so tests can
assert what actually reached the wire.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Received", "Reply", "ScriptedServer", "free_port"]


@dataclass
class Reply:
    """One scripted answer.

    Args:
        status: HTTP status to send.
        json: JSON body (takes precedence over ``body``).
        body: Raw body.
        headers: Extra response headers.
        delay: Seconds to wait before answering (interrupted when the server stops).
        drop: Close the connection after reading the request, without any response.
        close: Close the connection right after a normal response, without announcing
            it (like a server whose keep-alive idle timeout fired).
    """

    status: int = 200
    json: Any = None
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    close: bool = False


@dataclass(frozen=True)
class Received:
    """A request as the server saw it."""

    method: str
    target: str  # raw request-target: percent-encoded path plus query
    headers: dict[str, str]  # lower-cased names
    body: bytes
    connection: int  # sequence number of the TCP connection it arrived on

    @property
    def path(self) -> str:
        """Raw (still percent-encoded) path without the query string."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """Decoded query parameters (last value wins)."""
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.target).query).items()}


Responder = Reply | Callable[[Received], Reply]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ScriptedServer:
    """Threaded HTTP/1.1 server with keep-alive, scripted replies and request recording."""

    def __init__(self, default: Responder | None = None) -> None:
        self.default: Responder = default or Reply(json={"success": True})
        self.requests: list[Received] = []
        self.connections = 0
        self.errors: list[BaseException] = []
        self._queue: deque[Responder] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.handle_error = self._handle_error  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01})
        self._thread.daemon = True
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Responder) -> None:
        """Queue replies, answered in order before falling back to the default."""
        with self._lock:
            self._queue.extend(replies)

    def close(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _handle_error(self, request: object, client_address: object) -> None:
        import sys

        error = sys.exc_info()[1]
        # Clients hanging up on a slow or dropped reply is expected; anything else is a bug.
        if error is not None and not isinstance(error, ConnectionError | TimeoutError):
            self.errors.append(error)

    def _next(self, received: Received) -> Reply:
        with self._lock:
            self.requests.append(received)
            responder = self._queue.popleft() if self._queue else self.default
        return responder(received) if callable(responder) else responder

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle plus the client's
            # delayed ACK every keep-alive request would stall for ~40 ms.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with server._lock:
                    server.connections += 1
                    self.connection_number = server.connections

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(
                    method=self.command,
                    target=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    connection=self.connection_number,
                )
                reply = server._next(received)
                if reply.delay and server._stop.wait(reply.delay):
                    self.close_connection = True
                    return
                if reply.drop:
                    self.close_connection = True
                    return
                if reply.json is not None:
                    payload = json.dumps(reply.json).encode()
                    content_type = "application/json"
                else:
                    payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                    content_type = "text/plain"
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                if reply.close:
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        return Handler
