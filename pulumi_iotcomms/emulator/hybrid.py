"""Handlers of the hybrid-admin API: sites and their hosts (commission, drain, decommission).

Draining ends a host's calls at once, unless a test gave it calls with a drain rate
(``PUT /_emulator/hosts/{domain}/{siteId}/{hostId}/calls``): then every listing of the drained host ends
that many calls, so a client polling for ``activeCalls == 0`` sees them end step by step.

The hybrid system's probes raise service alarms (:func:`site_alarm`, sent by :meth:`.core.Emulator.notify`):
a host drained while calls linger on it sets a ``serviceFailure`` warning, cleared when its last call ends;
decommissioning a host whose calls are still active ends them and sets a ``serviceFailure`` error
(contract.DECISIONS ``notify.host_alarms``).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api._schema import computed_fields, settable_fields
from pulumi_iotcomms.api.events import MonitoringAlarm
from pulumi_iotcomms.api.site import HostCommission

from ._http import Problem, json_body, validated
from .auth import Caller
from .core import Emulator, Handler

__all__ = ["DRAIN_PER_READ", "HANDLERS", "HOSTS", "REPORTED", "public_host", "site_alarm", "site_base_url"]

HOSTS = "host"
#: The host fields the site reports and a commission body cannot set (the model's computed ones).
REPORTED = computed_fields(HostCommission)
_SETTABLE = settable_fields(HostCommission)
_COMMISSIONED: dict[str, Any] = {"state": "active", "activeCalls": 0}
if set(_COMMISSIONED) != set(REPORTED):
    raise RuntimeError(f"a newly commissioned host needs a value for each of {sorted(REPORTED)}")
#: Stored with a host given calls by the admin knob: how many calls each listing of it ends while
#: it is drained. Never reported (private keys start with ``_``).
DRAIN_PER_READ = "_drainPerRead"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def _names(request: Request) -> tuple[str, str, str]:
    p = request.path_params
    for field in ("siteId", "hostId"):
        if not _NAME.match(p[field]):
            raise Problem(400, f"{field}: must be 1-63 letters, digits, '.', '_' or '-'")
    return p["domain"], p["siteId"], p["hostId"]


def public_host(doc: dict[str, Any]) -> dict[str, Any]:
    """The host as the API reports it: without the emulator's private bookkeeping keys."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def site_base_url(domain: str, site_id: str) -> str:
    """The URL a site identifies itself by in its alarms (the emulator's choice: the docs give no form)."""
    return f"https://{site_id}.{domain}"


def site_alarm(domain: str, site_id: str, **fields: Any) -> dict[str, Any]:
    """A ``monitoringAlarm`` body from ``site_id`` of ``domain``: ``fields`` are wire names (``error``,
    ``status``, ``service``, ``severity``, ``errorDetails``, ``siteBaseUrl``); ``status`` defaults to
    ``Set``, ``severity`` to ``warn``, ``service`` to ``sipserver``. Problem 400 when it breaks the schema."""
    body = {
        "type": "monitoringAlarm",
        "domain": domain,
        "status": "Set",
        "service": "sipserver",
        "severity": "warn",
        "siteId": site_id,
        "siteBaseUrl": site_base_url(domain, site_id),
        **fields,
    }
    validated(MonitoringAlarm, body)
    return body


def _calls_alarm(domain: str, key: str, status: str, severity: str, message: str, calls: int) -> dict[str, Any]:
    site_id = key.split("/", 1)[0]
    details = {"message": message, "value": calls, "threshold": 0, "condition": "higher"}
    return site_alarm(domain, site_id, error="serviceFailure", status=status, severity=severity, errorDetails=details)


def _drain_step(emu: Emulator, domain: str, key: str, doc: dict[str, Any]) -> dict[str, Any]:
    """End ``DRAIN_PER_READ`` calls of a drained host (one listing = one step, deterministic for tests)."""
    rate = doc.get(DRAIN_PER_READ)
    calls = doc.get("activeCalls", 0)
    if doc.get("state") != "drained" or not rate or calls <= 0:
        return doc
    doc["activeCalls"] = max(0, calls - rate)
    emu.store.put(HOSTS, domain, key, doc)
    if doc["activeCalls"] == 0:
        host_id = key.split("/", 1)[1]
        emu.notify(domain, "alarm", _calls_alarm(domain, key, "Clear", "warn", f"host {host_id} has no calls left", 0))
    return doc


async def _site_list(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain = request.path_params["domain"]
    data: dict[str, Any] = {}
    for _c, d, key, doc in emu.store.scan(HOSTS):
        if d == domain:
            site_id, host_id = key.split("/", 1)
            host = public_host(_drain_step(emu, d, key, doc))
            data.setdefault(site_id, {"hosts": {}})["hosts"][host_id] = host
    return {"success": True, "data": data}


async def _host_commission(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, site_id, host_id = _names(request)
    body = await json_body(request, required=False)
    body = {} if body is None else body
    validated(HostCommission, body)
    key = f"{site_id}/{host_id}"
    if emu.store.get(HOSTS, domain, key) is not None:
        raise Problem(409, f"hostId: host {host_id} is already commissioned on site {site_id}")
    doc = {**_COMMISSIONED, **{k: body[k] for k in _SETTABLE if k in body}}
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
    was_drained = doc.get("state") == "drained"
    doc.update(state="drained", doNotReschedule=flag == "true")
    if DRAIN_PER_READ not in doc:
        doc["activeCalls"] = 0  # no drain rate set by a test: the calls end at once
    key = f"{site_id}/{host_id}"
    emu.store.put(HOSTS, domain, key, doc)
    calls = doc.get("activeCalls", 0)
    if calls > 0 and not was_drained:
        message = f"host {host_id} is draining with {calls} active calls"
        emu.notify(domain, "alarm", _calls_alarm(domain, key, "Set", "warn", message, calls))
    return {"success": True}


async def _host_decommission(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, site_id, host_id = _names(request)
    doc = _host_or_404(emu, domain, site_id, host_id)
    if doc.get("activeCalls", 0) > 0 and doc.get("state") != "drained":
        raise Problem(409, f"hostId: host {host_id} has {doc['activeCalls']} active calls; drain it first")
    key = f"{site_id}/{host_id}"
    emu.store.delete(HOSTS, domain, key)
    calls = doc.get("activeCalls", 0)
    if calls > 0:
        message = f"host {host_id} was decommissioned with {calls} active calls: the calls were ended"
        emu.notify(domain, "alarm", _calls_alarm(domain, key, "Set", "error", message, calls))
    return {"success": True}


HANDLERS: dict[str, Handler] = {
    "site.list": _site_list,
    "host.commission": _host_commission,
    "host.drain": _host_drain,
    "host.decommission": _host_decommission,
}
