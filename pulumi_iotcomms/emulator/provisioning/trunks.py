"""Trunks: ``/provisioning/trunk/{domain}``; a trunk's SIP credentials are kept only as their HA1 hash."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api._schema import server_defaults
from pulumi_iotcomms.api.trunk import Trunk

from .._http import Problem, json_body, page_params, validated
from ..auth import Caller
from ..core import Emulator, Handler
from ._common import apply_patch, check_id, listing, md5

__all__ = ["HANDLERS"]

DEFAULTS = server_defaults(Trunk)


def _store_trunk(
    emu: Emulator, domain: str, trunk_id: str, body: Any, prefix: str = "", *, keep_ha1: bool = True
) -> dict[str, Any]:
    validated(Trunk, body, prefix)
    doc = dict(body)
    existing = emu.store.get("trunk", domain, trunk_id) or {}
    extras: dict[str, Any] = {"id": trunk_id}
    if "password" in doc:
        doc["ha1"] = md5(f"{doc['userName']}:{doc['realm']}:{doc['password']}")
        extras["password"] = doc.pop("password")
    else:
        if keep_ha1 and "ha1" not in doc and existing.get("ha1"):
            doc["ha1"] = existing["ha1"]
        renamed = [k for k in ("userName", "realm") if k in doc and doc[k] != existing.get(k)]
        if renamed and doc.get("ha1") and doc.get("ha1") == existing.get("ha1"):
            # The docs: "To update userName, realm and password fields must also be filled."
            field = f"{prefix}.password" if prefix else "password"
            raise Problem(400, f"{field}: required to change {renamed[0]} (the ha1 is made from all three)")
    for name, value in DEFAULTS.items():
        doc.setdefault(name, value)
    emu.store.put("trunk", domain, trunk_id, doc)
    return extras


def _trunk_or_404(emu: Emulator, domain: str, trunk_id: str) -> dict[str, Any]:
    doc = emu.store.get("trunk", domain, trunk_id)
    if doc is None:
        raise Problem(404, f"trunkId: no trunk {trunk_id} in {domain}")
    return doc


async def _trunk_list(emu: Emulator, request: Request, caller: Caller) -> Any:
    limit, after = page_params(request)
    items, last = emu.store.page("trunk", request.path_params["domain"], after=after, limit=limit)
    return listing([{"trunkId": k, "serviceDestination": doc} for k, doc in items], "trunks", last)


async def _trunk_put_collection(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("serviceDestination"), dict):
        raise Problem(400, "serviceDestination: required object")
    trunk_id = body.get("trunkId")
    trunk_id = str(uuid.uuid4()) if trunk_id is None else check_id("trunkId", trunk_id)
    extras = _store_trunk(
        emu, request.path_params["domain"], trunk_id, body["serviceDestination"], "serviceDestination"
    )
    return {"success": True, **extras}


async def _trunk_create(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    return {"success": True, **_store_trunk(emu, request.path_params["domain"], str(uuid.uuid4()), body)}


async def _trunk_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    return {"success": True, "trunk": _trunk_or_404(emu, p["domain"], p["trunkId"])}


async def _trunk_put(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    check_id("trunkId", p["trunkId"])
    body = await json_body(request)
    return {"success": True, **_store_trunk(emu, p["domain"], p["trunkId"], body)}


async def _trunk_delete(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    if not emu.store.delete("trunk", p["domain"], p["trunkId"]):
        raise Problem(404, f"trunkId: no trunk {p['trunkId']} in {p['domain']}")
    return {"success": True}


async def _trunk_patch(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    ops = await json_body(request)
    patched = apply_patch(_trunk_or_404(emu, p["domain"], p["trunkId"]), ops)
    if "password" in patched:
        # A new password replaces the stored hash; both at once would be ambiguous.
        patched.pop("ha1", None)
    # Unlike a PUT, which keeps the stored hash when it names none, a PATCH says what it removes.
    removes_ha1 = any(isinstance(op, dict) and op.get("op") == "remove" and op.get("path") == "/ha1" for op in ops)
    extras = _store_trunk(emu, p["domain"], p["trunkId"], patched, keep_ha1=not removes_ha1)
    extras.pop("id")
    return {"success": True, **extras}


HANDLERS: dict[str, Handler] = {
    "trunk.list": _trunk_list,
    "trunk.put_collection": _trunk_put_collection,
    "trunk.create": _trunk_create,
    "trunk.get": _trunk_get,
    "trunk.put": _trunk_put,
    "trunk.delete": _trunk_delete,
    "trunk.patch": _trunk_patch,
}
