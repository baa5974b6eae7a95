"""Handlers of the provisioning API: devices (and bulk CSV), trunks, services, singletons, keys."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import re
import secrets
import time
import uuid
from typing import TYPE_CHECKING, Any

import jsonpatch
import jsonpointer
from starlette.requests import Request

from pulumi_iotcomms.api._schema import WireModel, behaviour
from pulumi_iotcomms.api.alarmbridge import AlarmBridge
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapper
from pulumi_iotcomms.api.cloudsipua import CloudSipUa
from pulumi_iotcomms.api.contract import SERVICE_KINDS
from pulumi_iotcomms.api.device import Device
from pulumi_iotcomms.api.mediaservice import MediaService
from pulumi_iotcomms.api.notificationsettings import NotificationSettings
from pulumi_iotcomms.api.profile import LogFilter, Profile, ProfileCreate
from pulumi_iotcomms.api.siprecservice import SiprecService
from pulumi_iotcomms.api.trunk import Trunk

from ._http import Problem, json_body, page_params, token_for, validated
from .auth import KEYS, Caller

if TYPE_CHECKING:
    from .app import Emulator, Handler

__all__ = ["BULK_LIMIT_BYTES", "HANDLERS"]

BULK_LIMIT_BYTES = 10 * 1024 * 1024
ID_PATTERN = re.compile(r"^[A-Za-z0-9\-._:~+]{1,128}$")
SERVICE_MODELS: dict[str, type[WireModel]] = {
    "mediaservice": MediaService,
    "alarmbridge": AlarmBridge,
    "alarmeventmapper": AlarmEventMapper,
    "cloudsipua": CloudSipUa,
}
COMPUTED_DEVICE_FIELDS = ("heartbeatStatus", "heartbeatExpiration", "lastConfigured")
_background: set[asyncio.Task[None]] = set()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _now_ms() -> int:
    return int(time.time() * 1000)


def _check_id(field: str, value: Any) -> str:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise Problem(400, f"{field}: must match {ID_PATTERN.pattern}")
    return value


def _server_defaults(model: type[WireModel]) -> dict[str, Any]:
    out = {}
    for name, info in model.model_fields.items():
        default = behaviour(model, name).server_default
        if default is not None:
            out[info.alias or name] = default
    return out


def _apply_patch(doc: dict[str, Any], ops: Any) -> dict[str, Any]:
    """RFC 6902 on a copy; a failed ``test`` is 409, a bad op or path 400; the original is untouched."""
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise Problem(400, "(body): must be an array of RFC 6902 operations")
    for i, op in enumerate(ops):
        if op.get("op") not in {"add", "remove", "replace", "copy", "move", "test"}:
            raise Problem(400, f"[{i}].op: must be one of add, remove, replace, copy, move, test")
        if not isinstance(op.get("path"), str) or not (op["path"] == "" or op["path"].startswith("/")):
            raise Problem(400, f"[{i}].path: must be a JSON pointer starting with /")
    try:
        return dict(jsonpatch.JsonPatch(ops).apply(doc, in_place=False))
    except jsonpatch.JsonPatchTestFailed as exc:
        raise Problem(409, f"test: {exc}") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError) as exc:
        raise Problem(400, f"path: {exc}") from None


def _provisory(request: Request) -> bool:
    raw = request.query_params.get("provisory")
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise Problem(400, "provisory: must be true or false")


def _listing(items: list[dict[str, Any]], key: str, last: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {key: items, "success": True}
    if last is not None:
        body["nextToken"] = token_for(last)
    return body


# -- devices -------------------------------------------------------------------------------------


def _store_device(emu: Emulator, domain: str, body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store one device; returns the response extras (a generated password)."""
    validated(Device, body)
    device_id = body["deviceId"]
    existing = emu.store.get("device", domain, device_id)
    doc = {k: v for k, v in body.items() if k not in COMPUTED_DEVICE_FIELDS and k != "success"}
    extras: dict[str, Any] = {}
    if doc["authType"] == "credentials" and not doc.get("ha1"):
        if existing and existing.get("authType") == "credentials" and existing.get("ha1"):
            doc["ha1"] = existing["ha1"]
        else:
            password = secrets.token_urlsafe(12)
            doc["ha1"] = _md5(f"{device_id}:{domain}:{password}")
            extras["password"] = password
    old = existing or {}
    doc["heartbeatStatus"] = old.get("heartbeatStatus", "offline")
    doc["heartbeatExpiration"] = old.get("heartbeatExpiration", 0)
    if "lastConfigured" in old:
        doc["lastConfigured"] = old["lastConfigured"]
    emu.store.put("device", domain, device_id, doc)
    return extras


def _device_or_404(emu: Emulator, domain: str, device_id: str) -> dict[str, Any]:
    doc = emu.store.get("device", domain, device_id)
    if doc is None:
        raise Problem(404, f"deviceId: no device {device_id} in {domain}")
    return doc


async def _device_list(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain = request.path_params["domain"]
    limit, after = page_params(request)
    prefix = request.query_params.get("filter", "")
    items, last = emu.store.page("device", domain, after=after, limit=limit, prefix=prefix)
    return _listing([doc for _, doc in items], "devices", last)


async def _device_put(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    extras = _store_device(emu, request.path_params["domain"], body)
    return {"success": True, "id": body["deviceId"], **extras}


async def _device_delete_all(emu: Emulator, request: Request, caller: Caller) -> Any:
    domain = request.path_params["domain"]
    body = await json_body(request, required=False)
    confirm = isinstance(body, dict) and body.get("confirmDeleteAll") is True
    ids = emu.store.keys("device", domain)
    if confirm:
        for device_id in ids:
            emu.store.delete("device", domain, device_id)
        return {"success": True, "message": f"deleted {len(ids)} devices", "deviceIds": ids}
    return {"success": True, "message": f"dry run: {len(ids)} devices would be deleted", "deviceIds": ids}


async def _device_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    return {**_device_or_404(emu, p["domain"], p["deviceId"]), "success": True}


async def _device_delete(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    if not emu.store.delete("device", p["domain"], p["deviceId"]):
        raise Problem(404, f"deviceId: no device {p['deviceId']} in {p['domain']}")
    return {"success": True}


async def _device_patch(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    ops = await json_body(request)  # read before the document: no await between read and write
    patched = _apply_patch(_device_or_404(emu, p["domain"], p["deviceId"]), ops)
    if patched.get("deviceId") != p["deviceId"]:
        raise Problem(400, "deviceId: cannot be changed by PATCH (delete and add the device)")
    for name in COMPUTED_DEVICE_FIELDS:
        patched.pop(name, None)
    extras = _store_device(emu, p["domain"], patched)
    return {"success": True, **extras}


_BOOL_COLUMNS = {"authorized.register"}


def _csv_cell(column: str, cell: str) -> Any:
    if column.split(".")[0] == "serviceData":
        try:
            return json.loads(cell)
        except ValueError:
            raise ValueError(f"{column}: must be a JSON value (text in double quotes)") from None
    if column in _BOOL_COLUMNS:
        if cell not in ("true", "false"):
            raise ValueError(f"{column}: must be true or false")
        return cell == "true"
    return cell


def _csv_body(header: list[str], row: list[str]) -> dict[str, Any]:
    """One CSV row as a device body; ValueError names the bad column."""
    body: dict[str, Any] = {}
    for column, cell in zip(header, row, strict=True):
        if cell == "":
            continue
        *parents, leaf = column.split(".")
        target = body
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ValueError(f"{column}: conflicts with another column")
        target[leaf] = _csv_cell(column, cell)
    return body


def _csv_rows(text: str) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Parse a bulk CSV into device bodies; the second item lists ``(row, error)`` (row 1 is the header)."""
    reader = csv.reader(io.StringIO(text))
    rows: list[dict[str, Any]] = []
    errors: list[tuple[int, str]] = []
    header: list[str] | None = None
    number = 1  # the last row read; the header is row 1
    try:
        header = [h.strip() for h in next(reader, [])]
        if "deviceId" not in header or "authType" not in header:
            return [], [(1, "header: must name the deviceId and authType columns")]
        for row in reader:
            number += 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                errors.append((number, f"expected {len(header)} cells, got {len(row)}"))
                continue
            try:
                rows.append({**_csv_body(header, row), "_row": number})
            except ValueError as exc:
                errors.append((number, str(exc)))
    except csv.Error as exc:
        # e.g. a cell over the csv module's field size limit (128 KiB) or a NUL byte: the rest is unreadable.
        errors.append((1 if header is None else number + 1, f"(csv): {exc}; the rest was not read"))
    return rows, errors


async def _run_bulk(emu: Emulator, domain: str, bulk_id: str, text: str) -> None:
    await asyncio.sleep(0.01)
    # Parsing a 10 MB file takes a while; off the event loop, other requests keep being answered.
    rows, errors = await asyncio.to_thread(_csv_rows, text)
    for body in rows:
        number = body.pop("_row")
        try:
            _store_device(emu, domain, body)
        except Problem as problem:
            errors.append((number, problem.reason))
        await asyncio.sleep(0)
    reasons = [m if m.startswith("header:") else f"row {n}: {m}" for n, m in sorted(errors, key=lambda e: e[0])]
    status = emu.store.get("bulk", domain, bulk_id) or {}
    status.update(
        status="FAILED" if errors else "COMPLETED",
        stoppedAt=_now_ms(),
        reason="; ".join(reasons) if errors else f"{len(rows)} devices provisioned",
    )
    emu.store.put("bulk", domain, bulk_id, status)


async def _device_bulk_put(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) >= BULK_LIMIT_BYTES:
        raise Problem(413, "(body): the CSV file must be under 10MB")
    raw = await request.body()
    if len(raw) >= BULK_LIMIT_BYTES:
        raise Problem(413, "(body): the CSV file must be under 10MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(400, "(body): the CSV file must be UTF-8 text") from None
    status = {
        "bulkId": p["bulkId"],
        "domain": p["domain"],
        "status": "STARTED",
        "startedAt": _now_ms(),
        "stoppedAt": 0,
        "reason": "",
    }
    emu.store.put("bulk", p["domain"], p["bulkId"], status)
    task = asyncio.get_running_loop().create_task(_run_bulk(emu, p["domain"], p["bulkId"], text))
    _background.add(task)
    task.add_done_callback(_background.discard)
    return {"success": True}


async def _device_bulk_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    status = emu.store.get("bulk", p["domain"], p["bulkId"])
    if status is None:
        raise Problem(404, f"bulkId: no bulk job {p['bulkId']}")
    return {"success": True, "status": status}


# -- trunks --------------------------------------------------------------------------------------


def _store_trunk(
    emu: Emulator, domain: str, trunk_id: str, body: Any, prefix: str = "", *, keep_ha1: bool = True
) -> dict[str, Any]:
    validated(Trunk, body, prefix)
    doc = dict(body)
    existing = emu.store.get("trunk", domain, trunk_id) or {}
    extras: dict[str, Any] = {"id": trunk_id}
    if "password" in doc:
        doc["ha1"] = _md5(f"{doc['userName']}:{doc['realm']}:{doc['password']}")
        extras["password"] = doc.pop("password")
    else:
        if keep_ha1 and "ha1" not in doc and existing.get("ha1"):
            doc["ha1"] = existing["ha1"]
        renamed = [k for k in ("userName", "realm") if k in doc and doc[k] != existing.get(k)]
        if renamed and doc.get("ha1") and doc.get("ha1") == existing.get("ha1"):
            # The docs: "To update userName, realm and password fields must also be filled."
            field = f"{prefix}.password" if prefix else "password"
            raise Problem(400, f"{field}: required to change {renamed[0]} (the ha1 is made from all three)")
    doc.setdefault("type", "trunk")
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
    return _listing([{"trunkId": k, "serviceDestination": doc} for k, doc in items], "trunks", last)


async def _trunk_put_collection(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("serviceDestination"), dict):
        raise Problem(400, "serviceDestination: required object")
    trunk_id = body.get("trunkId")
    trunk_id = str(uuid.uuid4()) if trunk_id is None else _check_id("trunkId", trunk_id)
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
    _check_id("trunkId", p["trunkId"])
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
    patched = _apply_patch(_trunk_or_404(emu, p["domain"], p["trunkId"]), ops)
    if "password" in patched:
        # A new password replaces the stored hash; both at once would be ambiguous.
        patched.pop("ha1", None)
    # Unlike a PUT, which keeps the stored hash when it names none, a PATCH says what it removes.
    removes_ha1 = any(isinstance(op, dict) and op.get("op") == "remove" and op.get("path") == "/ha1" for op in ops)
    extras = _store_trunk(emu, p["domain"], p["trunkId"], patched, keep_ha1=not removes_ha1)
    extras.pop("id")
    return {"success": True, **extras}


# -- services (mediaservice, alarmbridge, alarmeventmapper, cloudsipua) ------------------------------


def _service_handlers(kind: str) -> dict[str, Handler]:
    model = SERVICE_MODELS[kind]
    defaults = _server_defaults(model)

    def coll(request: Request) -> str:
        return f"{kind}#provisory" if _provisory(request) else kind

    def build(body: dict[str, Any], item_id: str, existing: dict[str, Any] | None) -> dict[str, Any]:
        doc = {**defaults, **body, "id": item_id}
        doc.pop("callbackId", None)
        if doc.get("callbackBaseUrl"):
            doc["callbackId"] = (existing or {}).get("callbackId") or str(uuid.uuid4())
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
        return _listing([doc for _, doc in items], f"{kind}s", last)

    async def create(emu: Emulator, request: Request, caller: Caller) -> Any:
        body = await json_body(request)
        validated(model, body)
        item_id = _check_id("id", body["id"]) if body.get("id") is not None else str(uuid.uuid4())
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
        patched = _apply_patch(existing, ops)
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


# -- singletons, keys, statistics, logs, profile --------------------------------------------------


def _singleton_handlers(name: str, model: type[WireModel]) -> dict[str, Handler]:
    async def get(emu: Emulator, request: Request, caller: Caller) -> Any:
        return emu.store.get(name, request.path_params["domain"], "") or {}

    async def put(emu: Emulator, request: Request, caller: Caller) -> Any:
        body = await json_body(request)
        validated(model, body)
        emu.store.put(name, request.path_params["domain"], "", body)
        return {"success": True}

    return {f"{name}.get": get, f"{name}.put": put}


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


async def _statistics_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    if p["type"] != "cdr_siprec":
        raise Problem(400, "type: must be cdr_siprec")
    if p["bucketsize"] not in ("hour", "day", "month"):
        raise Problem(400, "bucketsize: must be hour, day or month")
    return {"success": True, "statistics": []}


async def _logs_sip(emu: Emulator, request: Request, caller: Caller) -> Any:
    validated(LogFilter, await json_body(request))
    return {"success": True, "logItems": []}


def _profile_or_404(emu: Emulator, caller: Caller) -> dict[str, Any]:
    doc = emu.store.get("profile", caller.domain, "")
    if doc is None:
        raise Problem(404, "profile: not created yet (POST /currentuser/profile)")
    return doc


async def _profile_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    return {"success": True, "profile": _profile_or_404(emu, caller)}


async def _profile_create(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    validated(ProfileCreate, body)
    if emu.store.get("profile", caller.domain, "") is not None:
        raise Problem(409, "profile: already exists (use PUT or PATCH)")
    emu.store.put("profile", caller.domain, "", body)
    return {"success": True}


async def _profile_put(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    _profile_or_404(emu, caller)
    validated(Profile, body)
    emu.store.put("profile", caller.domain, "", body)
    return {"success": True}


async def _profile_patch(emu: Emulator, request: Request, caller: Caller) -> Any:
    body = await json_body(request)
    validated(Profile, body)
    current = _profile_or_404(emu, caller)
    emu.store.put("profile", caller.domain, "", {**current, **body})
    return {"success": True}


HANDLERS: dict[str, Handler] = {
    "device.list": _device_list,
    "device.put": _device_put,
    "device.delete_all": _device_delete_all,
    "device.get": _device_get,
    "device.delete": _device_delete,
    "device.patch": _device_patch,
    "device.bulk_put": _device_bulk_put,
    "device.bulk_get": _device_bulk_get,
    "trunk.list": _trunk_list,
    "trunk.put_collection": _trunk_put_collection,
    "trunk.create": _trunk_create,
    "trunk.get": _trunk_get,
    "trunk.put": _trunk_put,
    "trunk.delete": _trunk_delete,
    "trunk.patch": _trunk_patch,
    **{k: v for kind in SERVICE_KINDS for k, v in _service_handlers(kind).items()},
    **_singleton_handlers("notificationsettings", NotificationSettings),
    **_singleton_handlers("siprecservice", SiprecService),
    "apikey.list": _apikey_list,
    "apikey.create": _apikey_create,
    "apikey.delete": _apikey_delete,
    "statistics.get": _statistics_get,
    "logs.sip": _logs_sip,
    "profile.get": _profile_get,
    "profile.create": _profile_create,
    "profile.put": _profile_put,
    "profile.patch": _profile_patch,
}
