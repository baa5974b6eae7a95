"""API keys: ``/provisioning/apiKey/{domain}`` — RS256 public keys and generated bearer tokens."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from .._http import Problem, json_body
from ..auth import KEYS, Caller
from ..core import Emulator, Handler

__all__ = ["HANDLERS"]


async def _apikey_list(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain = request.path_params["domain"]
    keys = [doc for _c, d, _k, doc in emu.store.scan(KEYS) if d == domain]
    return {
        "success": True,
        "keys": sorted(({k: d[k] for k in ("sk", "type", "createdAt")} for d in keys), key=lambda d: d["sk"]),
    }


async def _apikey_create(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("key"), str):
        raise Problem(400, "key: required string (a PEM public key, or empty for a generated token)")
    domain = request.path_params["domain"]
    if body["key"].strip():
        return {"success": True, "sk": emu.auth.add_public_key(domain, body["key"])}
    sk, token = emu.auth.generate_token(domain)
    return {"success": True, "sk": sk, "token": token}


async def _apikey_delete(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    if not emu.store.delete(KEYS, p["domain"], p["keyId"]):
        raise Problem(404, f"keyId: no API key {p['keyId']} in {p['domain']}")
    return {"success": True}


HANDLERS: dict[str, Handler] = {
    "apikey.list": _apikey_list,
    "apikey.create": _apikey_create,
    "apikey.delete": _apikey_delete,
}
