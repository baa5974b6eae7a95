"""Devices: ``/provisioning/device/{domain}``, one at a time or as a bulk CSV job."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api.device import Device

from .._fields import computed_fields
from .._http import Problem, json_body, page_params, validated
from ..auth import Caller
from ..core import Emulator, Handler
from ._common import apply_patch, listing, md5, now_ms

__all__ = ["BULK_LIMIT_BYTES", "HANDLERS"]

BULK_LIMIT_BYTES = 10 * 1024 * 1024
#: Fields the server sets: a client's values for them are dropped, the stored ones kept.
COMPUTED = computed_fields(Device)
#: The computed fields' values before the device first connects (the others stay absent until then).
NEVER_CONNECTED: dict[str, Any] = {"heartbeatStatus": "offline", "heartbeatExpiration": 0}
if not set(NEVER_CONNECTED) <= set(COMPUTED):
    raise RuntimeError(f"Device no longer marks {sorted(set(NEVER_CONNECTED) - set(COMPUTED))} as computed")
_background: set[asyncio.Task[None]] = set()


def _store_device(emu: Emulator, domain: str, body: dict[str, Any]) -> dict[str, Any]:
    """Validate and store one device; returns the response extras (a generated password)."""
    validated(Device, body)
    device_id = body["deviceId"]
    existing = emu.store.get("device", domain, device_id)
    doc = {k: v for k, v in body.items() if k not in COMPUTED and k != "success"}
    extras: dict[str, Any] = {}
    if doc["authType"] == "credentials" and not doc.get("ha1"):
        if existing and existing.get("authType") == "credentials" and existing.get("ha1"):
            doc["ha1"] = existing["ha1"]
        else:
            password = secrets.token_urlsafe(12)
            doc["ha1"] = md5(f"{device_id}:{domain}:{password}")
            extras["password"] = password
    old = existing or {}
    doc.update({**NEVER_CONNECTED, **{k: old[k] for k in COMPUTED if k in old}})
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
    return listing([doc for _, doc in items], "devices", last)


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
    patched = apply_patch(_device_or_404(emu, p["domain"], p["deviceId"]), ops)
    if patched.get("deviceId") != p["deviceId"]:
        raise Problem(400, "deviceId: cannot be changed by PATCH (delete and add the device)")
    for name in COMPUTED:
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
        stoppedAt=now_ms(),
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
        "startedAt": now_ms(),
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


HANDLERS: dict[str, Handler] = {
    "device.list": _device_list,
    "device.put": _device_put,
    "device.delete_all": _device_delete_all,
    "device.get": _device_get,
    "device.delete": _device_delete,
    "device.patch": _device_patch,
    "device.bulk_put": _device_bulk_put,
    "device.bulk_get": _device_bulk_get,
}
