"""The emulator application: one Starlette app serving the provisioning, hybrid-admin and cache APIs.

Routes come from :data:`pulumi_iotcomms.api.contract.ROUTES`; each operation name maps to one handler
in :mod:`.provisioning`, :mod:`.hybrid` or :mod:`.cache`. The wrapper here does what every operation
shares: authentication for the path's domain and turning :class:`Problem` into an error body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from pulumi_iotcomms.api.contract import ROUTES

from ._http import Problem, json_response
from .auth import Authenticator, Caller
from .faults import FaultConfig, FaultInjector, FaultMiddleware, RequestLog
from .store import Store

__all__ = ["ADMIN_PREFIX", "Emulator", "Handler", "build_app"]

ADMIN_PREFIX = "/_emulator"

Handler = Callable[["Emulator", Request, Caller], Awaitable[Any]]


@dataclass
class Emulator:
    """Everything the running emulator knows.

    Args:
        store: the document store.
        admin: whether ``/_emulator/*`` test endpoints are enabled.
        tokens: ``(domain, token)`` pairs registered at start (and again after a reset).
        public_keys: ``(domain, PEM)`` pairs registered at start (and again after a reset).
    """

    store: Store = field(default_factory=Store)
    admin: bool = False
    tokens: list[tuple[str, str]] = field(default_factory=list)
    public_keys: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.auth = Authenticator(self.store)
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.seed_credentials()

    def seed_credentials(self) -> None:
        """Register the start-up tokens and public keys; those of an earlier start are forgotten, so a
        credential dropped from the command line stops working even with ``--state``."""
        self.auth.forget_source("startup")
        for domain, token in self.tokens:
            self.auth.add_token(domain, token, source="startup")
        for domain, pem in self.public_keys:
            self.auth.add_public_key(domain, pem, source="startup")

    def reset(self) -> None:
        """Forget every object, fault and logged request; keep the start-up credentials."""
        self.store.clear()
        self.log.clear()
        self.faults.configure(FaultConfig())
        self.seed_credentials()


def _handlers() -> dict[str, Handler]:
    from . import cache, hybrid, provisioning

    table: dict[str, Handler] = {}
    for module in (provisioning, hybrid, cache):
        table.update(module.HANDLERS)
    return table


def _wrap(emu: Emulator, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            domain = request.path_params.get("domain")
            caller = emu.auth.authenticate(request.headers.get("authorization"), domain)
            result = await handler(emu, request, caller)
        except Problem as problem:
            return json_response({"success": False, "reason": problem.reason}, problem.status, problem.headers)
        if isinstance(result, Response):
            return result
        return json_response(result)

    return endpoint


async def _preflight(request: Request) -> Response:
    # CORS preflight needs no auth, as the docs list OPTIONS on every path.
    del request
    return json_response(
        {},
        headers={
            "Access-Control-Allow-Methods": "GET,PUT,POST,PATCH,DELETE,OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type,Authorization",
        },
    )


def build_app(emu: Emulator) -> Any:
    """The ASGI app for ``emu``: API routes, OPTIONS everywhere, admin routes when enabled."""
    handlers = _handlers()
    missing = [r.name for r in ROUTES if r.name not in handlers]
    if missing:
        raise RuntimeError(f"emulator has no handler for {missing}")
    routes: list[StarletteRoute] = []
    by_path: dict[str, list[StarletteRoute]] = {}
    for r in ROUTES:
        by_path.setdefault(r.path, []).append(
            StarletteRoute(r.path, _wrap(emu, handlers[r.name]), methods=[r.method], name=r.name)
        )
    # Bulk paths are more specific than {deviceId}; Starlette tries routes in order.
    for path in sorted(by_path, key=lambda p: (-p.count("/"), p)):
        routes.extend(by_path[path])
        routes.append(StarletteRoute(path, _preflight, methods=["OPTIONS"]))
    if emu.admin:
        from .admin import admin_routes

        routes = admin_routes(emu, ADMIN_PREFIX) + routes
    app = Starlette(routes=routes)

    async def not_found(request: Request, exc: Exception) -> Response:
        del exc
        return json_response({"success": False, "reason": f"no route for {request.url.path}"}, 404)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        del exc
        return json_response({"success": False, "reason": f"method {request.method} not allowed"}, 405)

    app.add_exception_handler(404, not_found)
    app.add_exception_handler(405, not_allowed)
    return FaultMiddleware(app, emu.faults, emu.log, ADMIN_PREFIX)
