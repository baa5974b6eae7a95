"""The emulator's state (:class:`Emulator`) and the signature every API handler has (:data:`Handler`).

Route modules import both from here; the app that wires them together imports the route modules, so
nothing imports back up.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from .auth import Authenticator, Caller
from .faults import FaultConfig, FaultInjector, RequestLog
from .store import Store

__all__ = ["BULK_ROWS_PER_SECOND", "Emulator", "Handler"]

#: The default pace of bulk jobs: a 10,000-row job takes about 2 s, long enough for clients to poll.
BULK_ROWS_PER_SECOND = 5000.0


@dataclass
class Emulator:
    """Everything the running emulator knows.

    Args:
        store: the document store.
        admin: whether ``/_emulator/*`` test endpoints are enabled.
        tokens: ``(domain, token)`` pairs registered at start (and again after a reset).
        public_keys: ``(domain, PEM)`` pairs registered at start (and again after a reset).

    ``bulk_rows_per_second`` is the pace bulk jobs apply rows at (0 or less: as fast as possible); running
    jobs follow a change, and a reset restores :data:`BULK_ROWS_PER_SECOND`. ``bulk_rejects`` maps device
    ids to the reason bulk jobs refuse their rows with (a test control; a reset empties it).
    ``clock_offset`` shifts the clock that expires cache entries (:meth:`now`; a test control, reset to 0).
    """

    store: Store = field(default_factory=Store)
    admin: bool = False
    tokens: list[tuple[str, str]] = field(default_factory=list)
    public_keys: list[tuple[str, str]] = field(default_factory=list)
    bulk_rows_per_second: float = field(default=BULK_ROWS_PER_SECOND, init=False)
    bulk_rejects: dict[str, str] = field(default_factory=dict, init=False)
    clock_offset: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.auth = Authenticator(self.store)
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.seed_credentials()

    def now(self) -> float:
        """The emulated service's clock, unix seconds: the wall clock plus ``clock_offset``. Only cache expiry
        reads it; tokens keep the wall clock, so a test can age cache entries and still authenticate."""
        return time.time() + self.clock_offset

    def seed_credentials(self) -> None:
        """Register the start-up tokens and public keys; those of an earlier start are forgotten, so a
        credential dropped from the command line stops working even with ``--state``."""
        self.auth.forget_source("startup")
        for domain, token in self.tokens:
            self.auth.add_token(domain, token, source="startup")
        for domain, pem in self.public_keys:
            self.auth.add_public_key(domain, pem, source="startup")

    def reset(self) -> None:
        """Forget every object, fault and logged request, restore the bulk pace and the clock and refuse no
        bulk rows; keep the start-up credentials."""
        self.store.clear()
        self.log.clear()
        self.faults.configure(FaultConfig())
        self.bulk_rows_per_second = BULK_ROWS_PER_SECOND
        self.bulk_rejects = {}
        self.clock_offset = 0.0
        self.seed_credentials()


#: An API operation: answers with a JSON-able body (or a Response), or raises ``Problem``.
Handler = Callable[[Emulator, Request, Caller], Awaitable[Any]]
