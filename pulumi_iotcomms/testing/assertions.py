"""The checks a configuration test makes again and again, with messages that say what happened instead."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .emulator import EmulatorClient
from .stack import StackResult

__all__ = ["assert_changes", "assert_no_changes", "assert_no_writes", "assert_requests", "assert_tenant_empty"]

Request = tuple[str, str] | tuple[str, str, Any]


def _writes(emulator: EmulatorClient) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r.get("body")) for r in emulator.writes()]


def _show(requests: Sequence[tuple[Any, ...]]) -> str:
    if not requests:
        return "  (none)"
    return "\n".join("  " + " ".join(json.dumps(p) if not isinstance(p, str) else p for p in r) for r in requests)


def assert_changes(result: StackResult, expected: Mapping[str, str]) -> None:
    """The operation planned (or made) exactly ``expected``: resource name -> step kind, unchanged ones left out."""
    if dict(result.changes) != dict(expected):
        want = ", ".join(f"{kind} {name}" for name, kind in sorted(expected.items())) or "no changes"
        raise AssertionError(f"expected {want}; {result.describe()}")


def assert_no_changes(result: StackResult) -> None:
    """Nothing to do: the "second preview is empty" check (and refresh without drift)."""
    if result.changes:
        raise AssertionError(f"expected no changes; {result.describe()}")


def assert_no_writes(emulator: EmulatorClient) -> None:
    """The emulator received no POST, PUT, PATCH or DELETE since its request log was last cleared (a preview must
    never write)."""
    writes = _writes(emulator)
    if writes:
        raise AssertionError(f"expected no writes, the emulator received {len(writes)}:\n{_show(writes)}")


def assert_requests(emulator: EmulatorClient, expected: Sequence[Request]) -> None:
    """The writes since the request log was last cleared are exactly ``expected``, in order: ``(method, path)``
    or ``(method, path, body)`` (the JSON body as sent)."""
    writes = _writes(emulator)
    actual = [w[: len(e)] for w, e in zip(writes, expected, strict=False)] + [w for w in writes[len(expected) :]]
    if len(writes) != len(expected) or any(tuple(a) != tuple(e) for a, e in zip(actual, expected, strict=False)):
        raise AssertionError(f"expected these writes:\n{_show(expected)}\nthe emulator received:\n{_show(writes)}")


def assert_tenant_empty(emulator: EmulatorClient, domain: str | None = None, *, before: Any = None) -> None:
    """Nothing is left of the stack in the tenant (default: the emulator client's): no object, or exactly the
    objects of ``before`` (``emulator.tenant()`` taken before the first ``up``), empty settings objects aside."""
    left = emulator.tenant(domain)
    wanted = before or {}
    if left != wanted:
        extra = {
            coll: sorted(
                set(docs) - set(wanted.get(coll, {})) | {k for k in docs if wanted.get(coll, {}).get(k) != docs[k]}
            )
            for coll, docs in left.items()
        }
        raise AssertionError(f"the tenant is not as before the stack: left or changed {json.dumps(extra)}")
