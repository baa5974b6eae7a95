"""Which resource of the running deployment declares which server object.

The provider host is one process per engine operation (preview, up, refresh, destroy), so a
process-wide table is exactly "this deployment": ``check`` claims the object a resource declares
and reports a second resource declaring the same one; ``delete`` leaves alone an object that another
resource of the same deployment still declares (a rename without ``aliases`` that adopted it).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

__all__ = ["claim", "claimed_by_other", "reset"]

_lock = threading.Lock()
_claims: dict[Hashable, str] = {}


def claim(key: Hashable, resource_name: str) -> str | None:
    """Record that ``resource_name`` declares ``key``; the other resource's name when one already does."""
    with _lock:
        holder = _claims.setdefault(key, resource_name)
    return None if holder == resource_name else holder


def claimed_by_other(key: Hashable, resource_name: str) -> str | None:
    """The name of another resource that declares ``key`` in this deployment, if any."""
    with _lock:
        holder = _claims.get(key)
    return None if holder in (None, resource_name) else holder


def reset() -> None:
    """Forget every claim (tests that call providers directly, several deployments in one process)."""
    with _lock:
        _claims.clear()
