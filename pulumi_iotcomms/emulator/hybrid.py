"""Handlers of the hybrid-admin API: sites and their hosts (commission, drain, decommission)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from pulumi_iotcomms.api.site import HostCommission

from ._http import Problem, json_body, validated
from .auth import Caller

if TYPE_CHECKING:
    from .app import Emulator, Handler

__all__ = ["HANDLERS", "HOSTS"]

HOSTS = "host"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def _names(request: Request) -> tuple[str, str, str]:
    p = request.path_params
    for field in ("siteId", "hostId"):
        if not _NAME.match(p[field]):
            raise Problem(400, f"{field}: must be 1-63 letters, digits, '.', '_' or '-'")
    return p["domain"], p["siteId"], p["hostId"]


async def _site_list(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain = request.path_params["domain"]
    data: dict[str, Any] = {}
    for _c, d, key, doc in emu.store.scan(HOSTS):
        if d == domain:
            site_id, host_id = key.split("/", 1)
            data.setdefault(site_id, {"hosts": {}})["hosts"][host_id] = doc
    return {"success": True, "data": data}


async def _host_commission(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, site_id, host_id = _names(request)
    body = await json_body(request, required=False)
    body = {} if body is None else body
    validated(HostCommission, body)
    key = f"{site_id}/{host_id}"
    if emu.store.get(HOSTS, domain, key) is not None:
        raise Problem(409, f"hostId: host {host_id} is already commissioned on site {site_id}")
    doc = {
        "state": "active",
        "activeCalls": 0,
        **{k: body[k] for k in ("networkInterfaces", "networkPrefixLength") if k in body},
    }
    emu.store.put(HOSTS, domain, key, doc)
    return {"success": True}


def _host_or_404(emu: Emulator, domain: str, site_id: str, host_id: str) -> dict[str, Any]:
    doc = emu.store.get(HOSTS, domain, f"{site_id}/{host_id}")
    if doc is None:
        raise Problem(404, f"hostId: no host {host_id} on site {site_id}")
    return doc


async def _host_drain(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, site_id, host_id = _names(request)
    body = await json_body(request, required=False)
    if body is not None and not isinstance(body, dict):
        raise Problem(400, "(body): must be a JSON object")
    flag = (body or {}).get("doNotReschedule")
    if flag not in (None, "true", "false"):
        raise Problem(400, 'doNotReschedule: must be the string "true" or "false"')
    doc = _host_or_404(emu, domain, site_id, host_id)
    doc.update(state="drained", activeCalls=0, doNotReschedule=flag == "true")
    emu.store.put(HOSTS, domain, f"{site_id}/{host_id}", doc)
    return {"success": True}


async def _host_decommission(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, site_id, host_id = _names(request)
    doc = _host_or_404(emu, domain, site_id, host_id)
    if doc.get("activeCalls", 0) > 0 and doc.get("state") != "drained":
        raise Problem(409, f"hostId: host {host_id} has {doc['activeCalls']} active calls; drain it first")
    emu.store.delete(HOSTS, domain, f"{site_id}/{host_id}")
    return {"success": True}


HANDLERS: dict[str, Handler] = {
    "site.list": _site_list,
    "host.commission": _host_commission,
    "host.drain": _host_drain,
    "host.decommission": _host_decommission,
}
