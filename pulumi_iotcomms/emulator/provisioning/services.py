"""The four service collections sharing one CRUD shape: media services, alarm bridges, alarm event
mappers and cloud SIP UAs (``/provisioning/{kind}/{domain}``), each with a provisory copy.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api._schema import WireModel, computed_fields, server_defaults
from pulumi_iotcomms.api.alarmbridge import AlarmBridge
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapper
from pulumi_iotcomms.api.cloudsipua import CloudSipUa
from pulumi_iotcomms.api.contract import SERVICE_KINDS
from pulumi_iotcomms.api.mediaservice import MediaService

from .._http import Problem, json_body, page_params, validated
from ..auth import Caller
from ..core import Emulator, Handler
from ._common import apply_patch, check_id, listing, provisory

__all__ = ["HANDLERS", "MODELS"]

MODELS: dict[str, type[WireModel]] = {
    "mediaservice": MediaService,
    "alarmbridge": AlarmBridge,
    "alarmeventmapper": AlarmEventMapper,
    "cloudsipua": CloudSipUa,
}
CALLBACK_ID = "callbackId"


def _handlers(kind: str) -> dict[str, Handler]:
    model = MODELS[kind]
    defaults = server_defaults(model)
    computed = computed_fields(model)

    def coll(request: Request) -> str:
        return f"{kind}#provisory" if provisory(request) else kind

    def build(body: dict[str, Any], item_id: str, existing: dict[str, Any] | None) -> dict[str, Any]:
        doc = {**defaults, **{k: v for k, v in body.items() if k not in computed}, "id": item_id}
        if CALLBACK_ID in computed and doc.get("callbackBaseUrl"):
            # The callback resource is made once; rewrites of the service keep pointing at it.
            doc[CALLBACK_ID] = (existing or {}).get(CALLBACK_ID) or str(uuid.uuid4())
        return doc

    def get_or_404(emu: Emulator, request: Request) -> dict[str, Any]:
        p = request.path_params
        doc = emu.store.get(coll(request), p["domain"], p["id"])
        if doc is None:
            raise Problem(404, f"id: no {kind} {p['id']} in {p['domain']}")
        return doc

    async def list_(emu: Emulator, request: Request, caller: Caller) -> Any:
        limit, after = page_params(request)
        items, last = emu.store.page(coll(request), request.path_params["domain"], after=after, limit=limit)
        return listing([doc for _, doc in items], f"{kind}s", last)

    async def create(emu: Emulator, request: Request, caller: Caller) -> Any:
        body = await json_body(request)
        validated(model, body)
        item_id = check_id("id", body["id"]) if body.get("id") is not None else str(uuid.uuid4())
        domain = request.path_params["domain"]
        if emu.store.get(coll(request), domain, item_id) is not None:
            raise Problem(409, f"id: {kind} {item_id} already exists; use PUT to overwrite it")
        emu.store.put(coll(request), domain, item_id, build(body, item_id, None))
        return {"success": True, "id": item_id}

    async def get(emu: Emulator, request: Request, caller: Caller) -> Any:
        return {"success": True, kind: get_or_404(emu, request)}

    async def put(emu: Emulator, request: Request, caller: Caller) -> Any:
        body = await json_body(request)
        existing = get_or_404(emu, request)
        validated(model, body)
        item_id = request.path_params["id"]
        if body.get("id") not in (None, item_id):
            raise Problem(400, f"id: must be {item_id} as in the path, or absent")
        emu.store.put(coll(request), request.path_params["domain"], item_id, build(body, item_id, existing))
        return {"success": True, "id": item_id}

    async def delete(emu: Emulator, request: Request, caller: Caller) -> Any:
        get_or_404(emu, request)
        emu.store.delete(coll(request), request.path_params["domain"], request.path_params["id"])
        return {"success": True}

    async def patch(emu: Emulator, request: Request, caller: Caller) -> Any:
        ops = await json_body(request)
        existing = get_or_404(emu, request)
        patched = apply_patch(existing, ops)
        item_id = request.path_params["id"]
        if patched.get("id") != item_id:
            raise Problem(400, "id: cannot be changed by PATCH")
        validated(model, patched)
        emu.store.put(coll(request), request.path_params["domain"], item_id, build(patched, item_id, existing))
        return {"success": True}

    return {
        f"{kind}.list": list_,
        f"{kind}.create": create,
        f"{kind}.get": get,
        f"{kind}.put": put,
        f"{kind}.delete": delete,
        f"{kind}.patch": patch,
    }


HANDLERS: dict[str, Handler] = {name: fn for kind in SERVICE_KINDS for name, fn in _handlers(kind).items()}
