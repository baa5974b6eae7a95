"""Handlers of the cache API: IVR fallback configuration and the SIPREC fallback cache."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api._schema import computed_fields, server_defaults
from pulumi_iotcomms.api.cache import EXPIRATION_PERIODS, IvrFallback

from ._http import Problem, json_body, validated
from .auth import Caller
from .core import Emulator, Handler

__all__ = ["HANDLERS"]

IVR = "ivrfallback"
SIPREC = "siprecfallback"
_DEFAULT_EXPIRATION = server_defaults(IvrFallback)["expiration"]
_COMPUTED = computed_fields(IvrFallback)


def _number(request: Request) -> tuple[str, str]:
    number = request.path_params["number"]
    if not 1 <= len(number) <= 64:
        raise Problem(400, "number: must be 1-64 characters")
    return request.path_params["domain"], number


def _live(emu: Emulator, domain: str, number: str) -> dict[str, Any] | None:
    doc = emu.store.get(IVR, domain, number)
    if doc is not None and doc["expiresAt"] <= emu.now():
        emu.store.delete(IVR, domain, number)
        return None
    return doc


async def _ivr_list(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain = request.path_params["domain"]
    return {"data": [n for n in emu.store.keys(IVR, domain) if _live(emu, domain, n)], "success": True}


async def _ivr_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, number = _number(request)
    doc = _live(emu, domain, number)
    if doc is None:
        raise Problem(404, f"number: no IVR fallback for {number}")
    expires = doc.pop("expiresAt")
    doc.pop("expiration", None)
    return {"data": {**doc, "ttl": int(expires)}, "success": True}


async def _ivr_put(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, number = _number(request)
    body = await json_body(request)
    validated(IvrFallback, body)
    expiration = body.get("expiration")
    if expiration is None:  # absent or an explicit null: the documented default
        expiration = _DEFAULT_EXPIRATION
    expires = emu.now() + EXPIRATION_PERIODS[expiration] * 86400 if isinstance(expiration, str) else expiration
    kept = {k: v for k, v in body.items() if k not in _COMPUTED}  # ttl is the server's to set
    emu.store.put(IVR, domain, number, {**kept, "expiresAt": expires})
    return {"success": True}


async def _ivr_delete(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, number = _number(request)
    if not emu.store.delete(IVR, domain, number):
        raise Problem(404, f"number: no IVR fallback for {number}")
    return {"success": True}


async def _siprec_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, number = _number(request)
    return {"inCache": emu.store.get(SIPREC, domain, number) is not None}


async def _siprec_delete(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain, number = _number(request)
    return {"deleted": emu.store.delete(SIPREC, domain, number)}


HANDLERS: dict[str, Handler] = {
    "ivrfallback.list": _ivr_list,
    "ivrfallback.get": _ivr_get,
    "ivrfallback.put": _ivr_put,
    "ivrfallback.delete": _ivr_delete,
    "siprecfallback.get": _siprec_get,
    "siprecfallback.delete": _siprec_delete,
}
