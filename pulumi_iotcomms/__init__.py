"""Pulumi dynamic providers for iotcomms.io, with a local emulator of its APIs.

``from pulumi_iotcomms import Device, Trunk, ...`` gives the resources (listed once, in
``resources/_registry.py``); their nested input types are in :mod:`pulumi_iotcomms.inputs`; the
errors a provider raises in :mod:`pulumi_iotcomms.errors`; the emulator (``emulator`` extra) in
:mod:`pulumi_iotcomms.emulator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from .resources._registry import REGISTRY

if TYPE_CHECKING:
    from .errors import ConflictingObjectError as ConflictingObjectError

    # The resource classes as their modules export them (DeviceFleet with from_csv); the providers the
    # star brings in too are not exported at run time.
    from .resources import *  # noqa: F403

__version__ = "0.1.0"

# Imported on first use: the provider host unpickles one resource's provider and should load only
# that module, which keeps its cold start short.
_LAZY = {
    **{item.name: f".resources.{item.module}" for item in REGISTRY},
    "ConflictingObjectError": ".errors",
}

__all__ = [*sorted([*(item.name for item in REGISTRY), "ConflictingObjectError"]), "__version__"]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
