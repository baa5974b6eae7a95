"""The emulator's state (:class:`Emulator`) and the signature every API handler has (:data:`Handler`).

Route modules import both from here; the app that wires them together imports the route modules, so
nothing imports back up.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from starlette.requests import Request

from .alvaria import AlvariaState
from .auth import Authenticator, Caller
from .faults import FaultConfig, FaultInjector, RequestLog
from .notify import Delivery, EventKind, Notifier
from .provd import ProvdState
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
        alvaria_clients: ``(client id, secret)`` pairs of the Alvaria token endpoint (``--alvaria-client``).
        alvaria_api_keys: ``x-api-key`` values the Alvaria API accepts (``--alvaria-api-key``).
        aws_endpoint: where SNS events are published (a moto or LocalStack URL); None: AWS itself.
        allow_loopback_http: deliver HTTP callbacks to ``http://`` loopback URLs too (tests).
        access_log: where to write one line per request (method, path, status, ms); None: nowhere.
        provd_users: ``(user, password)`` pairs the ``/provd`` routes accept (``--provd-user``); none: no auth.

    ``bulk_rows_per_second`` is the pace bulk jobs apply rows at (0 or less: as fast as possible); running
    jobs follow a change, and a reset restores :data:`BULK_ROWS_PER_SECOND`. ``bulk_rejects`` maps device
    ids to the reason bulk jobs refuse their rows with (a test control; a reset empties it).
    ``clock_offset`` shifts the clock that expires cache entries (:meth:`now`; a test control, reset to 0).
    """

    store: Store = field(default_factory=Store)
    admin: bool = False
    tokens: list[tuple[str, str]] = field(default_factory=list)
    public_keys: list[tuple[str, str]] = field(default_factory=list)
    alvaria_clients: list[tuple[str, str]] = field(default_factory=list)
    alvaria_api_keys: list[str] = field(default_factory=list)
    aws_endpoint: str | None = None
    allow_loopback_http: bool = False
    access_log: TextIO | None = None
    provd_users: list[tuple[str, str]] = field(default_factory=list)
    bulk_rows_per_second: float = field(default=BULK_ROWS_PER_SECOND, init=False)
    bulk_rejects: dict[str, str] = field(default_factory=dict, init=False)
    clock_offset: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.auth = Authenticator(self.store)
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.provd = ProvdState(dict(self.provd_users))
        self.alvaria = AlvariaState(dict(self.alvaria_clients), frozenset(self.alvaria_api_keys))
        self.notifier = Notifier(aws_endpoint=self.aws_endpoint, allow_loopback_http=self.allow_loopback_http)
        self.seed_credentials()

    def now(self) -> float:
        """The emulated service's clock, unix seconds: the wall clock plus ``clock_offset``. Only cache expiry
        reads it; tokens keep the wall clock, so a test can age cache entries and still authenticate."""
        return time.time() + self.clock_offset

    def notify(self, domain: str, kind: EventKind, body: dict[str, Any]) -> Delivery:
        """Send an event of the emulated platform where ``domain``'s notification settings say (now)."""
        return self.notifier.submit(domain, self.store.get("notificationsettings", domain, "") or {}, kind, body)

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
        self.alvaria.reset()
        self.provd.reset()
        self.notifier.clear()
        self.faults.configure(FaultConfig())
        self.bulk_rows_per_second = BULK_ROWS_PER_SECOND
        self.bulk_rejects = {}
        self.clock_offset = 0.0
        self.seed_credentials()


#: An API operation: answers with a JSON-able body (or a Response), or raises ``Problem``.
Handler = Callable[[Emulator, Request, Caller], Awaitable[Any]]
