"""``/_emulator/*``: test controls, enabled only with ``--admin``.

- ``GET|DELETE /requests``: the request log (method, path, query, status, body, injected fault).
- ``GET|PUT /faults``: fault configuration (see :class:`.faults.FaultConfig`) and injected counts.
- ``POST /reset``: forget all objects, faults and the log, stop running bulk jobs and restore the bulk pace
  and the clock (start-up credentials stay).
- ``GET|PUT /bulk``: the pace bulk jobs apply rows at, ``{"rowsPerSecond": N}`` (default 5000; 0 or less:
  as fast as possible; running jobs follow a change), and rows the service refuses, ``{"rejectDeviceIds":
  {"unit-7": "registered in another tenant"}}`` (as a server-side rule the client cannot check; the row's
  problem is ``deviceId: <reason>``); a PUT sets the keys it names, a reset clears both.
- ``GET|PUT /clock``: ``{"offsetSeconds": N}`` shifts the clock that expires cache entries (IVR fallback
  objects) by N seconds, so a test ages them without waiting (``ttl`` and period expirations read it too;
  tokens keep the wall clock); a reset sets it back to 0.
- ``GET /objects``: every stored object, ``{domain: {collection: {key: doc}}}``, credentials omitted.
- ``PUT /hosts/{domain}/{siteId}/{hostId}``: set a host's ``activeCalls``/``state`` (calls happen).
- ``PUT /hosts/{domain}/{siteId}/{hostId}/calls``: give a host calls that end while it is drained,
  ``{"activeCalls": 5, "drainPerRead": 2}`` (see ``calls`` below).
- ``PUT /siprecfallback/{domain}/{number}``: put a number in the SIPREC fallback cache.
- ``PUT /statistics/{domain}/{type}/{bucketsize}``: replace the buckets the statistics endpoint answers,
  ``{"statistics": [{"name": ..., "num_calls": ..., ...}]}`` (see :func:`.provisioning.usage.record_statistics`).
- ``POST /siplogs/{domain}``: add items for the SIP-log endpoint to filter and answer,
  ``{"logItems": [{"timeStamp": ..., ...}]}`` (see :func:`.provisioning.usage.record_sip_logs`).
- ``POST /alarms``: a site raises a service alarm, ``{"domain": ..., "siteId": ..., "error": "lowMemory", ...}``
  (a ``monitoringAlarm`` body; ``type``, ``status`` (Set), ``service`` (sipserver), ``severity`` (warn) and
  ``siteBaseUrl`` filled in when absent), delivered as the domain's notification settings say
  (:mod:`.notify`); answers the alarm and its delivery.
- ``POST /sipevents``: the platform emits a SIP event, ``{"domain": ..., "event": {...}}`` (any JSON object),
  delivered to ``sipEventsTopic`` or ``sipEventsRestEndpoint``.
- ``GET|DELETE /deliveries``: every event delivery (channel, target, status, attempts, error, body), oldest
  first; ``?wait=SECONDS`` first waits (up to 30 s) until none is pending.

Errors are answered as the API's are (:func:`._http.problem_response`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from pulumi_iotcomms.api.events import MonitoringAlarm

from ._http import Problem, endpoint, json_body
from .auth import KEYS
from .core import Emulator
from .faults import FaultConfig
from .hybrid import DRAIN_PER_READ, HOSTS, REPORTED, public_host, site_alarm
from .provisioning.devices import stop_bulk_jobs
from .provisioning.usage import record_sip_logs, record_statistics

__all__ = ["admin_routes"]

_SETTABLE_HOST = " and ".join(sorted(REPORTED))
_ALARM_FIELDS = {f.alias or name for name, f in MonitoringAlarm.model_fields.items()}


def admin_routes(emu: Emulator, prefix: str) -> list[Route]:
    """The admin routes for ``emu`` under ``prefix``."""

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
        stop_bulk_jobs(emu)
        emu.reset()
        return {"success": True}

    async def bulk(request: Request) -> Any:
        if request.method == "PUT":
            body = await json_body(request)
            if not isinstance(body, dict) or not body or not set(body) <= {"rowsPerSecond", "rejectDeviceIds"}:
                raise Problem(400, '(body): expected {"rowsPerSecond": N} and/or {"rejectDeviceIds": {id: reason}}')
            rate = body.get("rowsPerSecond", emu.bulk_rows_per_second)
            if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate):
                raise Problem(400, "rowsPerSecond: must be a number (0 or less: as fast as possible)")
            rejects = body.get("rejectDeviceIds", emu.bulk_rejects)
            if not isinstance(rejects, dict) or not all(isinstance(v, str) and v for v in rejects.values()):
                raise Problem(400, "rejectDeviceIds: must map device ids to the reason text of their refusal")
            emu.bulk_rows_per_second = float(rate)
            emu.bulk_rejects = dict(rejects)
        return {"success": True, "rowsPerSecond": emu.bulk_rows_per_second, "rejectDeviceIds": emu.bulk_rejects}

    async def clock(request: Request) -> Any:
        if request.method == "PUT":
            body = await json_body(request)
            offset = body.get("offsetSeconds") if isinstance(body, dict) and set(body) == {"offsetSeconds"} else None
            if isinstance(offset, bool) or not isinstance(offset, int | float) or not math.isfinite(offset):
                raise Problem(400, 'offsetSeconds: expected {"offsetSeconds": N}, N a number of seconds')
            emu.clock_offset = float(offset)
        return {"success": True, "offsetSeconds": emu.clock_offset, "now": emu.now()}

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
        if not isinstance(body, dict) or not set(body) <= set(REPORTED):
            raise Problem(400, f"(body): only {_SETTABLE_HOST} can be set")
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

    async def statistics(request: Request) -> Any:
        p = request.path_params
        buckets = record_statistics(emu, p["domain"], p["type"], p["bucketsize"], await json_body(request))
        return {"success": True, "statistics": buckets}

    async def siplogs(request: Request) -> Any:
        count = record_sip_logs(emu, request.path_params["domain"], await json_body(request))
        return {"success": True, "count": count}

    def event_domain(body: Any, allowed: set[str]) -> str:
        if not isinstance(body, dict):
            raise Problem(400, "(body): must be a JSON object")
        domain = body.get("domain")
        if not isinstance(domain, str) or not domain:
            raise Problem(400, "domain: required, the tenant domain the event belongs to")
        unknown = set(body) - allowed
        if unknown:
            raise Problem(400, f"{sorted(unknown)[0]}: not a field of this event")
        return domain

    async def alarms(request: Request) -> Any:
        body = await json_body(request)
        domain = event_domain(body, _ALARM_FIELDS)
        site_id = body.get("siteId")
        if not isinstance(site_id, str) or not site_id:
            raise Problem(400, "siteId: required, the site raising the alarm")
        alarm = site_alarm(domain, site_id, **{k: v for k, v in body.items() if k not in ("domain", "siteId")})
        delivery = emu.notify(domain, "alarm", alarm)
        return {"success": True, "alarm": alarm, "delivery": delivery.snapshot()}

    async def sipevents(request: Request) -> Any:
        body = await json_body(request)
        domain = event_domain(body, {"domain", "event"})
        if not isinstance(body.get("event"), dict):
            raise Problem(400, "event: required, a JSON object")
        delivery = emu.notify(domain, "sipEvent", body["event"])
        return {"success": True, "delivery": delivery.snapshot()}

    async def deliveries(request: Request) -> Any:
        if request.method == "DELETE":
            emu.notifier.clear()
            return {"success": True}
        wait = request.query_params.get("wait")
        if wait is not None:
            try:
                seconds = min(30.0, max(0.0, float(wait)))
            except ValueError:
                raise Problem(400, "wait: must be a number of seconds") from None
            await asyncio.to_thread(emu.notifier.wait_idle, seconds)
        return {"success": True, "deliveries": emu.notifier.deliveries()}

    return [
        Route(f"{prefix}/requests", endpoint(requests), methods=["GET", "DELETE"]),
        Route(f"{prefix}/faults", endpoint(faults), methods=["GET", "PUT"]),
        Route(f"{prefix}/reset", endpoint(reset), methods=["POST"]),
        Route(f"{prefix}/bulk", endpoint(bulk), methods=["GET", "PUT"]),
        Route(f"{prefix}/clock", endpoint(clock), methods=["GET", "PUT"]),
        Route(f"{prefix}/objects", endpoint(objects), methods=["GET"]),
        Route(f"{prefix}/hosts/{{domain}}/{{siteId}}/{{hostId}}", endpoint(host), methods=["PUT"]),
        Route(f"{prefix}/hosts/{{domain}}/{{siteId}}/{{hostId}}/calls", endpoint(calls), methods=["PUT"]),
        Route(f"{prefix}/siprecfallback/{{domain}}/{{number}}", endpoint(siprec), methods=["PUT"]),
        Route(f"{prefix}/statistics/{{domain}}/{{type}}/{{bucketsize}}", endpoint(statistics), methods=["PUT"]),
        Route(f"{prefix}/siplogs/{{domain}}", endpoint(siplogs), methods=["POST"]),
        Route(f"{prefix}/alarms", endpoint(alarms), methods=["POST"]),
        Route(f"{prefix}/sipevents", endpoint(sipevents), methods=["POST"]),
        Route(f"{prefix}/deliveries", endpoint(deliveries), methods=["GET", "DELETE"]),
    ]
