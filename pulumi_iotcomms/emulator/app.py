"""The emulator application: one Starlette app serving the provisioning, hybrid-admin and cache APIs.

Routes come from :data:`pulumi_iotcomms.api.contract.ROUTES`; each operation name maps to one handler
in a route module (those of :mod:`.provisioning`, :mod:`.hybrid`, :mod:`.cache`), joined here into the
one route table. Every route, admin and unrouted ones included, answers a :class:`Problem` through
:func:`._http.problem_response`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from pulumi_iotcomms.api.contract import ROUTES

from . import cache, hybrid
from ._http import Problem, endpoint, json_response, problem_response
from .access_log import AccessLog
from .admin import admin_routes
from .alvaria import alvaria_admin_routes, alvaria_routes
from .core import Emulator, Handler
from .faults import FaultMiddleware
from .provd import provd_routes
from .provisioning import devices, keys, profile, services, singletons, trunks, usage

__all__ = ["ADMIN_PREFIX", "HANDLERS", "build_app"]

ADMIN_PREFIX = "/_emulator"


def _join(*tables: dict[str, Handler]) -> dict[str, Handler]:
    out: dict[str, Handler] = {}
    for table in tables:
        twice = out.keys() & table.keys()
        if twice:
            raise RuntimeError(f"more than one handler for {sorted(twice)}")
        out.update(table)
    return out


#: Operation name → handler, for every operation in ``contract.ROUTES``.
HANDLERS = _join(
    devices.HANDLERS,
    trunks.HANDLERS,
    services.HANDLERS,
    singletons.HANDLERS,
    keys.HANDLERS,
    usage.HANDLERS,
    profile.HANDLERS,
    hybrid.HANDLERS,
    cache.HANDLERS,
)


def _api_endpoint(emu: Emulator, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def authenticated(request: Request) -> Any:
        caller = emu.auth.authenticate(request.headers.get("authorization"), request.path_params.get("domain"))
        return await handler(emu, request, caller)

    return endpoint(authenticated)


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
    missing = [r.name for r in ROUTES if r.name not in HANDLERS]
    if missing:
        raise RuntimeError(f"emulator has no handler for {missing}")
    routes: list[StarletteRoute] = []
    by_path: dict[str, list[StarletteRoute]] = {}
    for r in ROUTES:
        by_path.setdefault(r.path, []).append(
            StarletteRoute(r.path, _api_endpoint(emu, HANDLERS[r.name]), methods=[r.method], name=r.name)
        )
    # Bulk paths are more specific than {deviceId}; Starlette tries routes in order.
    for path in sorted(by_path, key=lambda p: (-p.count("/"), p)):
        routes.extend(by_path[path])
        routes.append(StarletteRoute(path, _preflight, methods=["OPTIONS"]))
    routes.extend(alvaria_routes(emu))
    routes.extend(provd_routes(emu, ADMIN_PREFIX))  # its admin control only with --admin
    if emu.admin:
        routes = admin_routes(emu, ADMIN_PREFIX) + alvaria_admin_routes(emu, ADMIN_PREFIX) + routes
    app = Starlette(routes=routes)

    async def not_found(request: Request, exc: Exception) -> Response:
        del exc
        return problem_response(Problem(404, f"no route for {request.url.path}"))

    async def not_allowed(request: Request, exc: Exception) -> Response:
        del exc
        # Every route of the path, not only the first one Starlette matched (one route per method here).
        allowed = sorted(
            {
                method
                for route in routes
                if getattr(route, "methods", None) and route.path_regex.match(request.url.path)
                for method in route.methods or ()
            }
        )
        headers = {"Allow": ", ".join(allowed)} if allowed else None
        return problem_response(Problem(405, f"method {request.method} not allowed", headers))

    app.add_exception_handler(404, not_found)
    app.add_exception_handler(405, not_allowed)
    served = FaultMiddleware(app, emu.faults, emu.log, ADMIN_PREFIX)
    return served if emu.access_log is None else AccessLog(served, emu.access_log)
