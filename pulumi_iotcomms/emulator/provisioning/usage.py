"""Usage data: ``GET /statistics/{domain}/{type}/{bucketsize}`` and ``POST /logs/{domain}/sip`` (provisioning).

The emulator carries no calls, so it has nothing of its own to count or log: tests record statistics
buckets and SIP log items through the admin endpoints (:func:`record_statistics`,
:func:`record_sip_logs`) and these endpoints answer with what was recorded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from starlette.requests import Request

from pulumi_iotcomms.api.profile import LogFilter

from .._http import Problem, json_body, validated
from ..auth import Caller
from ..core import Emulator, Handler

__all__ = ["HANDLERS", "record_sip_logs", "record_statistics"]

STATISTICS = "statistics"
SIP_LOGS = "siplog"
TYPES = ("cdr_siprec",)
BUCKET_SIZES = ("hour", "day", "month")

_KINDS: dict[str, tuple[type, ...]] = {"a string": (str,), "a number": (int, float), "an object": (dict,)}
# The fields of the docs' response samples; anything else is refused so a misspelt field fails loudly.
_BUCKET = {
    "name": "a string",
    "min_duration": "a number",
    "sum_duration": "a number",
    "num_calls": "a number",
    "max_duration": "a number",
    "average_duration": "a number",
}
_LOG_ITEM = {
    "reason": "a string",
    "srcIp": "a string",
    "method": "a string",
    "requestUri": "a string",
    "srcPort": "a number",
    "transport": "a string",
    "body": "a string",
    "type": "a string",
    "timeStamp": "a number",
    "dstPort": "a number",
    "dstIp": "a string",
    "sipHeaders": "an object",
    "statusCode": "a string",
}
_TERM = re.compile(r'"([^"]*)"|(\S+)')


def _checked(item: Any, fields: Mapping[str, str], required: Collection[str], where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise Problem(400, f"{where}: must be a JSON object")
    for name, value in item.items():
        kind = fields.get(name)
        if kind is None:
            raise Problem(400, f"{where}.{name}: not a documented field (known: {', '.join(fields)})")
        finite = not isinstance(value, float) or math.isfinite(value)
        if isinstance(value, bool) or not isinstance(value, _KINDS[kind]) or not finite:
            raise Problem(400, f"{where}.{name}: must be {kind}")
    for name in required:
        if name not in item:
            raise Problem(400, f"{where}.{name}: required")
    return item


def _statistics_key(stat_type: str, bucket_size: str) -> str:
    if stat_type not in TYPES:
        raise Problem(400, f"type: must be {' or '.join(TYPES)}")
    if bucket_size not in BUCKET_SIZES:
        raise Problem(400, "bucketsize: must be hour, day or month")
    return f"{stat_type}/{bucket_size}"


def record_statistics(emu: Emulator, domain: str, stat_type: str, bucket_size: str, body: Any) -> list[Any]:
    """Replace the buckets the statistics endpoint answers for ``(domain, type, bucketsize)``.

    ``body`` is ``{"statistics": [bucket, ...]}`` in the docs' response shape; ``average_duration`` may
    be left out (it is ``sum_duration / num_calls``). Returns the buckets as stored.
    """
    key = _statistics_key(stat_type, bucket_size)
    if not isinstance(body, dict) or set(body) != {"statistics"} or not isinstance(body["statistics"], list):
        raise Problem(400, '(body): expected {"statistics": [bucket, ...]}')
    required = [f for f in _BUCKET if f != "average_duration"]
    buckets = [_checked(b, _BUCKET, required, f"statistics[{i}]") for i, b in enumerate(body["statistics"])]
    for b in buckets:
        b.setdefault("average_duration", b["sum_duration"] / b["num_calls"] if b["num_calls"] else 0)
    emu.store.put(STATISTICS, domain, key, {"statistics": buckets})
    return buckets


def record_sip_logs(emu: Emulator, domain: str, body: Any) -> int:
    """Add SIP log items for ``domain``; returns how many the domain now has.

    ``body`` is ``{"logItems": [item, ...]}`` in the docs' response shape; each item needs a ``timeStamp``
    (in whatever unit the test filters by).
    """
    if not isinstance(body, dict) or set(body) != {"logItems"} or not isinstance(body["logItems"], list):
        raise Problem(400, '(body): expected {"logItems": [item, ...]}')
    items = [_checked(item, _LOG_ITEM, ["timeStamp"], f"logItems[{i}]") for i, item in enumerate(body["logItems"])]
    doc = emu.store.get(SIP_LOGS, domain, "") or {"logItems": []}
    doc["logItems"] += items
    emu.store.put(SIP_LOGS, domain, "", doc)
    return len(doc["logItems"])


async def _statistics_get(emu: Emulator, request: Request, caller: Caller) -> Any:
    p = request.path_params
    doc = emu.store.get(STATISTICS, p["domain"], _statistics_key(p["type"], p["bucketsize"]))
    return {"success": True, "statistics": (doc or {}).get("statistics", [])}


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif not isinstance(value, bool) and value is not None:
        yield str(value)


def _matches(item: dict[str, Any], terms: list[str]) -> bool:
    texts = list(_texts(item))
    return all(any(term in text for text in texts) for term in terms)


async def _logs_sip(emu: Emulator, request: Request, caller: Caller) -> Any:
    """Recorded items, oldest first: those with ``startTime <= timeStamp <= endTime`` in which every term of
    ``filterPattern`` (split at spaces; a double-quoted phrase is one term) occurs, case-sensitively, in some
    value (a SIP header's included), at most ``limit`` of them."""
    body = await json_body(request)
    validated(LogFilter, body)
    start, end, limit = body.get("startTime"), body.get("endTime"), body.get("limit")
    terms = [quoted or bare for quoted, bare in _TERM.findall(body.get("filterPattern") or "")]
    doc = emu.store.get(SIP_LOGS, request.path_params["domain"], "") or {"logItems": []}
    found = [
        item
        for item in sorted(doc["logItems"], key=lambda item: item["timeStamp"])
        if (start is None or item["timeStamp"] >= start)
        and (end is None or item["timeStamp"] <= end)
        and _matches(item, terms)
    ]
    return {"success": True, "logItems": found if limit is None else found[:limit]}


HANDLERS: dict[str, Handler] = {
    "statistics.get": _statistics_get,
    "logs.sip": _logs_sip,
}
