"""Pulumi dynamic providers for iotcomms.io, with a local emulator of its APIs.

``from pulumi_iotcomms import Device, Trunk, ...`` gives the nine resources; the errors a provider
raises are in :mod:`pulumi_iotcomms.errors`; the emulator (``emulator`` extra) in
:mod:`pulumi_iotcomms.emulator`.
"""

from .resources import (
    AlarmBridge,
    AlarmEventMapper,
    CloudSipUa,
    Device,
    MediaService,
    NotificationSettings,
    SiprecService,
    SiteHost,
    Trunk,
)
from .resources._provider import ConflictingObjectError

__version__ = "0.1.0"

__all__ = [
    "AlarmBridge",
    "AlarmEventMapper",
    "CloudSipUa",
    "ConflictingObjectError",
    "Device",
    "MediaService",
    "NotificationSettings",
    "SiprecService",
    "SiteHost",
    "Trunk",
    "__version__",
]
