"""Running the emulator: on a socket in this thread (the CLI) or in a background thread (tests)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import build_app
from .core import Emulator

__all__ = ["EmulatorServer"]


class _QuietDrops(logging.Filter):
    # A dropped connection is an injected fault, not a server error worth logging.
    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without starting response" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class EmulatorServer:
    """An emulator bound to ``host:port`` (port 0 picks a free one); ``url`` is known once constructed.

    Args:
        emulator: the state to serve.
        host: address to bind; loopback by default.
        port: port to bind; 0 picks a free one.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        # Listen now, so connections made as soon as ``url`` is known (the CLI prints it before serving)
        # wait in the backlog instead of being refused.
        self._sock.listen(2048)
        self.host, self.port = host, self._sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(emulator), log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8787``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.run(sockets=[self._sock])

    def start(self) -> EmulatorServer:
        """Serve in a daemon thread; returns once it accepts connections."""
        self._thread = threading.Thread(target=self.serve_forever, name="iotcomms-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the store."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()
        self.emulator.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
