"""Which server objects the running deployment declares and has created.

The provider host is one process per engine operation (preview, up, refresh, destroy), so a
process-wide table is exactly "this deployment": ``check`` claims the object a resource declares
and reports a second resource declaring the same one; ``create`` records the objects it created or
adopted, and ``delete`` leaves those alone (a resource renamed without ``aliases`` whose new name
adopted the object: deleting the old name must not remove what the new name now manages). A
replacement that deletes first and creates after is unaffected: its delete comes before the create.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

__all__ = ["claim", "holder", "owned_here", "record_owned", "reset"]

_lock = threading.Lock()
_claims: dict[Hashable, str] = {}
_owned: set[Hashable] = set()


def claim(key: Hashable, resource_name: str) -> str | None:
    """Record that ``resource_name`` declares ``key``; the other resource's name when one already does."""
    with _lock:
        holder = _claims.setdefault(key, resource_name)
    return None if holder == resource_name else holder


def holder(key: Hashable) -> str | None:
    """The resource of this deployment that declares ``key``, if one does."""
    with _lock:
        return _claims.get(key)


def record_owned(key: Hashable) -> None:
    """A create of this deployment created or adopted ``key``."""
    with _lock:
        _owned.add(key)


def owned_here(key: Hashable) -> bool:
    """Whether a create of this deployment created or adopted ``key``."""
    with _lock:
        return key in _owned


def reset() -> None:
    """Forget everything (tests that call providers directly, several deployments in one process)."""
    with _lock:
        _claims.clear()
        _owned.clear()
