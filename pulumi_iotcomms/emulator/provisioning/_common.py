"""What several provisioning collections share: id checks, JSON Patch, listings, the provisory flag."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

import jsonpatch
import jsonpointer
from starlette.requests import Request

from .._http import Problem, token_for

__all__ = ["ID_PATTERN", "apply_patch", "check_id", "listing", "md5", "now_ms", "provisory"]

ID_PATTERN = re.compile(r"^[A-Za-z0-9\-._:~+]{1,128}$")


def md5(text: str) -> str:
    """Hex MD5 of ``text`` (the SIP HA1 hash)."""
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def now_ms() -> int:
    """The time in milliseconds since the epoch."""
    return int(time.time() * 1000)


def check_id(field: str, value: Any) -> str:
    """``value`` when it is a valid id; 400 naming ``field`` otherwise."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise Problem(400, f"{field}: must match {ID_PATTERN.pattern}")
    return value


def apply_patch(doc: dict[str, Any], ops: Any) -> dict[str, Any]:
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


def provisory(request: Request) -> bool:
    """The ``provisory`` query flag; 400 unless absent, ``true`` or ``false``."""
    raw = request.query_params.get("provisory")
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise Problem(400, "provisory: must be true or false")


def listing(items: list[dict[str, Any]], key: str, last: str | None) -> dict[str, Any]:
    """A list answer: ``{key: items, "success": true}`` plus ``nextToken`` when more remain after ``last``."""
    body: dict[str, Any] = {key: items, "success": True}
    if last is not None:
        body["nextToken"] = token_for(last)
    return body
