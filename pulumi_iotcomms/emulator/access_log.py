"""The emulator's access log: one line per request -- time, method, path, status, milliseconds."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog"]


class AccessLog:
    """Outermost ASGI middleware writing ``2026-12-02T15:04:05Z GET /provisioning/device/acme.example 200 3.1 ms``
    to ``stream`` (stderr or the ``--log`` file) for every request, admin and failed ones included; a dropped
    connection (an injected fault) shows status ``-``. Paths only: query strings are left out."""

    def __init__(self, app: ASGIApp, stream: TextIO) -> None:
        self.app = app
        self.stream = stream
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[Any] = ["-"]

        async def seen(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, seen)
        finally:
            ms = (time.perf_counter() - started) * 1000
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            line = f"{stamp} {scope['method']} {scope['path']} {status[0]} {ms:.1f} ms\n"
            with self._lock:
                self.stream.write(line)
                self.stream.flush()
