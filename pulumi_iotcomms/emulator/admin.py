"""``/_emulator/*``: test controls, enabled only with ``--admin``.

- ``GET|DELETE /requests``: the request log (method, path, query, status, body, injected fault).
- ``GET|PUT /faults``: fault configuration (see :class:`.faults.FaultConfig`) and injected counts.
- ``POST /reset``: forget all objects, faults and the log (start-up credentials stay).
- ``GET /objects``: every stored object, ``{domain: {collection: {key: doc}}}``, credentials omitted.
- ``PUT /hosts/{domain}/{siteId}/{hostId}``: set a host's ``activeCalls``/``state`` (calls happen).
- ``PUT /hosts/{domain}/{siteId}/{hostId}/calls``: give a host calls that end while it is drained,
  ``{"activeCalls": 5, "drainPerRead": 2}`` (see ``calls`` below).
- ``PUT /siprecfallback/{domain}/{number}``: put a number in the SIPREC fallback cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ._http import Problem, json_body, json_response
from .auth import KEYS
from .faults import FaultConfig
from .hybrid import DRAIN_PER_READ, HOSTS, public_host

if TYPE_CHECKING:
    from .app import Emulator

__all__ = ["admin_routes"]


def admin_routes(emu: Emulator, prefix: str) -> list[Route]:
    """The admin routes for ``emu`` under ``prefix``."""

    def endpoint(fn: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                return json_response(await fn(request))
            except Problem as problem:
                return json_response({"success": False, "reason": problem.reason}, problem.status)

        return run

    async def requests(request: Request) -> Any:
        if request.method == "DELETE":
            emu.log.clear()
            return {"success": True}
        return {"success": True, "requests": emu.log.items()}

    async def faults(request: Request) -> Any:
        if request.method == "PUT":
            try:
                emu.faults.configure(FaultConfig.parse(await json_body(request)))
            except (ValueError, TypeError) as exc:
                raise Problem(400, str(exc)) from None
        return {"success": True, **emu.faults.snapshot()}

    async def reset(request: Request) -> Any:
        emu.reset()
        return {"success": True}

    async def objects(request: Request) -> Any:
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for coll, domain, key, doc in emu.store.scan():
            if coll != KEYS:
                out.setdefault(domain, {}).setdefault(coll, {})[key] = doc
        return {"success": True, "objects": out}

    def stored_host(p: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
        key = f"{p['siteId']}/{p['hostId']}"
        doc = emu.store.get(HOSTS, p["domain"], key)
        if doc is None:
            raise Problem(404, f"hostId: no host {p['hostId']} on site {p['siteId']}")
        return key, doc

    async def host(request: Request) -> Any:
        p = request.path_params
        key, doc = stored_host(p)
        body = await json_body(request)
        if not isinstance(body, dict) or not set(body) <= {"activeCalls", "state"}:
            raise Problem(400, "(body): only activeCalls and state can be set")
        doc.update(body)
        emu.store.put(HOSTS, p["domain"], key, doc)
        return {"success": True, "host": public_host(doc)}

    async def calls(request: Request) -> Any:
        """``{"activeCalls": N, "drainPerRead": K}`` (K defaults to 1; both integers >= 0): the host has N
        active calls. A commissioned host keeps them; the drain no longer ends them at once; once the host
        is drained, every ``GET /site/{domain}`` listing it ends K of them and reports what is left (5
        calls at 2 per read are listed as 3, 1, 0). K = 0 makes the calls never end.

        Calls end per read, not per second, so tests are deterministic and need not sleep: the
        number of polls a client makes decides what it sees. Answers the host as listed.
        """
        p = request.path_params
        key, doc = stored_host(p)
        body = await json_body(request)
        if not isinstance(body, dict) or "activeCalls" not in body or not set(body) <= {"activeCalls", "drainPerRead"}:
            raise Problem(400, '(body): expected {"activeCalls": N} and optionally "drainPerRead"')
        rate = body.get("drainPerRead", 1)
        for name, value in (("activeCalls", body["activeCalls"]), ("drainPerRead", rate)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise Problem(400, f"{name}: must be an integer >= 0")
        doc.update({"activeCalls": body["activeCalls"], DRAIN_PER_READ: rate})
        emu.store.put(HOSTS, p["domain"], key, doc)
        return {"success": True, "host": public_host(doc)}

    async def siprec(request: Request) -> Any:
        p = request.path_params
        emu.store.put("siprecfallback", p["domain"], p["number"], {"inCache": True})
        return {"success": True}

    return [
        Route(f"{prefix}/requests", endpoint(requests), methods=["GET", "DELETE"]),
        Route(f"{prefix}/faults", endpoint(faults), methods=["GET", "PUT"]),
        Route(f"{prefix}/reset", endpoint(reset), methods=["POST"]),
        Route(f"{prefix}/objects", endpoint(objects), methods=["GET"]),
        Route(f"{prefix}/hosts/{{domain}}/{{siteId}}/{{hostId}}", endpoint(host), methods=["PUT"]),
        Route(f"{prefix}/hosts/{{domain}}/{{siteId}}/{{hostId}}/calls", endpoint(calls), methods=["PUT"]),
        Route(f"{prefix}/siprecfallback/{{domain}}/{{number}}", endpoint(siprec), methods=["PUT"]),
    ]
