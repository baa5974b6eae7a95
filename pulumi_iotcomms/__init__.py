"""Pulumi dynamic providers for iotcomms.io, with a local emulator of its APIs.

``from pulumi_iotcomms import Device, Trunk, ...`` gives the resources (listed once, in
``resources/_registry.py``); their nested input types are in :mod:`pulumi_iotcomms.inputs`; the
errors a provider raises in :mod:`pulumi_iotcomms.errors`; the read functions (``get_sites``,
``get_devices_output``, ... and their result classes) in :mod:`pulumi_iotcomms.functions`; the emulator
(``emulator`` extra) in :mod:`pulumi_iotcomms.emulator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from .resources._registry import REGISTRY

if TYPE_CHECKING:
    from .errors import ConflictingObjectError as ConflictingObjectError
    from .functions import *  # noqa: F403

    # The resource classes as their modules export them (DeviceFleet with from_csv); the providers the
    # star brings in too are not exported at run time.
    from .resources import *  # noqa: F403

__version__ = "0.3.0.dev0"

#: ``pulumi_iotcomms.functions.__all__`` (tests/test_public_api.py keeps them equal): the read functions and
#: their result classes.
_FUNCTIONS = (
    "GetDevicesDeviceAuthorizedResult",
    "GetDevicesDeviceResult",
    "GetDevicesResult",
    "GetIvrFallbackNumbersResult",
    "GetSipLogsLogItemResult",
    "GetSipLogsResult",
    "GetSiprecFallbackResult",
    "GetSitesResult",
    "GetSitesSiteHostResult",
    "GetSitesSiteResult",
    "GetStatisticsBucketResult",
    "GetStatisticsResult",
    "get_devices",
    "get_devices_output",
    "get_ivr_fallback_numbers",
    "get_ivr_fallback_numbers_output",
    "get_sip_logs",
    "get_sip_logs_output",
    "get_siprec_fallback",
    "get_siprec_fallback_output",
    "get_sites",
    "get_sites_output",
    "get_statistics",
    "get_statistics_output",
)

# Imported on first use: the provider host unpickles one resource's provider and should load only
# that module, which keeps its cold start short.
_LAZY = {
    # Resources of a subpackage (``Entry.package``, e.g. ``pulumi_iotcomms.provd``) are exported from there only.
    **{item.name: f".resources.{item.module}" for item in REGISTRY if not item.package},
    "ConflictingObjectError": ".errors",
    **dict.fromkeys(_FUNCTIONS, ".functions"),
}

__all__ = [
    *sorted(
        [
            *(i.name for i in REGISTRY if not i.package),
            "ConflictingObjectError",
            *(n for n in _FUNCTIONS if n[0].isupper()),
        ]
    ),
    "__version__",
    *sorted(n for n in _FUNCTIONS if not n[0].isupper()),
]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
