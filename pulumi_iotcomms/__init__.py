"""Pulumi dynamic providers for iotcomms.io, with a local emulator of its APIs.

``from pulumi_iotcomms import Device, Trunk, ...`` gives the nine resources; the errors a provider
raises are in :mod:`pulumi_iotcomms.errors`; the emulator (``emulator`` extra) in
:mod:`pulumi_iotcomms.emulator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from .resources._provider import ConflictingObjectError
    from .resources.alarm_bridge import AlarmBridge
    from .resources.alarm_event_mapper import AlarmEventMapper
    from .resources.cloud_sip_ua import CloudSipUa
    from .resources.device import Device
    from .resources.media_service import MediaService
    from .resources.notification_settings import NotificationSettings
    from .resources.siprec_service import SiprecService
    from .resources.site_host import SiteHost
    from .resources.trunk import Trunk

__version__ = "0.1.0"

# Imported on first use: the provider host unpickles one resource's provider and should load only
# that module, which keeps its cold start short.
_LAZY = {
    "AlarmBridge": ".resources.alarm_bridge",
    "AlarmEventMapper": ".resources.alarm_event_mapper",
    "CloudSipUa": ".resources.cloud_sip_ua",
    "ConflictingObjectError": ".resources._provider",
    "Device": ".resources.device",
    "MediaService": ".resources.media_service",
    "NotificationSettings": ".resources.notification_settings",
    "SiprecService": ".resources.siprec_service",
    "SiteHost": ".resources.site_host",
    "Trunk": ".resources.trunk",
}

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


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
