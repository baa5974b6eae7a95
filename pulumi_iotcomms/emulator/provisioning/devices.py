"""Devices: ``/provisioning/device/{domain}``, one at a time or as a bulk CSV job.

A bulk job applies its rows in the background at ``Emulator.bulk_rows_per_second``, so clients see it
``STARTED`` for a while; its status also carries ``processedRows`` and ``totalRows`` (not in the docs).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
import secrets
import time
from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api._schema import computed_fields
from pulumi_iotcomms.api.device import BULK_LIMIT_BYTES, Device

from .._http import Problem, json_body, page_params, validated
from ..auth import Caller
from ..core import Emulator, Handler
from ._common import apply_patch, listing, md5, now_ms

__all__ = ["BULK_LIMIT_BYTES", "HANDLERS", "stop_bulk_jobs"]

#: Fields the server sets: a client's values for them are dropped, the stored ones kept.
COMPUTED = computed_fields(Device)
#: The computed fields' values before the device first connects (the others stay absent until then).
NEVER_CONNECTED: dict[str, Any] = {"heartbeatStatus": "offline", "heartbeatExpiration": 0}
if not set(NEVER_CONNECTED) <= set(COMPUTED):
    raise RuntimeError(f"Device no longer marks {sorted(set(NEVER_CONNECTED) - set(COMPUTED))} as computed")


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


#: A data row of a bulk CSV: its number (the header is row 1) and its device body, or what is wrong with it.
_Row = tuple[int, dict[str, Any] | str]


def _csv_rows(text: str) -> list[_Row]:
    """Parse a bulk CSV into its data rows, blank lines left out; ValueError (``header: ...``) for a bad header."""
    reader = csv.reader(io.StringIO(text))
    rows: list[_Row] = []
    header: list[str] | None = None
    number = 1  # the last row read; the header is row 1
    try:
        header = [h.strip() for h in next(reader, [])]
        if "deviceId" not in header or "authType" not in header:
            raise ValueError("header: must name the deviceId and authType columns")
        for row in reader:
            number += 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                rows.append((number, f"expected {len(header)} cells, got {len(row)}"))
                continue
            try:
                rows.append((number, _csv_body(header, row)))
            except ValueError as exc:
                rows.append((number, str(exc)))
    except csv.Error as exc:
        # e.g. a cell over the csv module's field size limit (128 KiB) or a NUL byte: the rest is unreadable.
        rows.append((1 if header is None else number + 1, f"(csv): {exc}; the rest was not read"))
    return rows


#: How often a paced job applies the rows that are due, and how long it may hold the event loop at a time.
_TICK_S, _SLICE_S = 0.02, 0.005
#: Running jobs by ``(id(emulator), domain, bulkId)``: a running job holds its emulator, so the id is unique.
_jobs: dict[tuple[int, str, str], asyncio.Task[None]] = {}


def stop_bulk_jobs(emu: Emulator) -> None:
    """Cancel ``emu``'s running bulk jobs (before a reset: they would write into the emptied store)."""
    for (owner, _domain, _bulk_id), task in list(_jobs.items()):
        if owner == id(emu):
            task.cancel()


def _apply_row(emu: Emulator, domain: str, row: dict[str, Any] | str) -> str | None:
    """Store one parsed row; what is wrong with it, if anything."""
    if isinstance(row, str):
        return row
    refused = emu.bulk_rejects.get(str(row.get("deviceId")))
    if refused is not None:
        return f"deviceId: {refused}"
    try:
        _store_device(emu, domain, row)
    except Problem as problem:
        return problem.reason
    return None


async def _run_bulk(emu: Emulator, status: dict[str, Any], text: str) -> None:
    """Apply the CSV's rows at ``emu.bulk_rows_per_second``, keeping ``processedRows`` in the status current."""
    domain, bulk_id = status["domain"], status["bulkId"]
    problems: list[str] = []
    try:
        # Parsing a 10 MB file takes a while; off the event loop, other requests keep being answered.
        rows = await asyncio.to_thread(_csv_rows, text)
    except ValueError as exc:
        rows, problems = [], [str(exc)]
    status["totalRows"] = len(rows)
    emu.store.put("bulk", domain, bulk_id, status)
    loop = asyncio.get_running_loop()
    done, allowance, last = 0, 0.0, loop.time()
    while done < len(rows):
        now, rate = loop.time(), emu.bulk_rows_per_second
        # Rows accrue at the pace read now, so a pace set while the job runs applies from then on.
        allowance = min(allowance + (now - last) * rate if rate > 0 else math.inf, len(rows) - done)
        last = now
        before, until = done, time.perf_counter() + _SLICE_S
        while allowance >= 1 and time.perf_counter() < until:
            number, row = rows[done]
            if problem := _apply_row(emu, domain, row):
                problems.append(f"row {number}: {problem}")
            done, allowance = done + 1, allowance - 1
        if done > before:
            status["processedRows"] = done
            emu.store.put("bulk", domain, bulk_id, status)
        if done < len(rows):
            await asyncio.sleep(_TICK_S if allowance < 1 else 0)
    status.update(
        status="FAILED" if problems else "COMPLETED",
        stoppedAt=now_ms(),
        reason="; ".join(problems) if problems else f"{len(rows)} devices provisioned",
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
    # Checked after the last await, so two PUTs of one bulkId cannot both start a job.
    key = (id(emu), p["domain"], p["bulkId"])
    running = _jobs.get(key)
    if running is not None and not running.done():
        raise Problem(409, f"bulkId: job {p['bulkId']} is still running")
    status = {
        "bulkId": p["bulkId"],
        "domain": p["domain"],
        "status": "STARTED",
        "startedAt": now_ms(),
        "stoppedAt": 0,
        "reason": "",
        "processedRows": 0,
        "totalRows": 0,
    }
    emu.store.put("bulk", p["domain"], p["bulkId"], status)
    task = asyncio.get_running_loop().create_task(_run_bulk(emu, status, text))
    _jobs[key] = task

    def forget(done: asyncio.Task[None]) -> None:
        # A finished job's bulkId may already run again; only this job's entry goes.
        if _jobs.get(key) is done:
            del _jobs[key]

    task.add_done_callback(forget)
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
