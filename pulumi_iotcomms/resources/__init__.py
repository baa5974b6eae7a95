"""Pulumi lifecycle of every iotcomms.io object: one module per resource (its ``Resource`` class and provider).

No URLs and no HTTP here: the providers call typed operations in :mod:`pulumi_iotcomms.api`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .alarm_bridge import AlarmBridge, AlarmBridgeProvider
    from .alarm_event_mapper import AlarmEventMapper, AlarmEventMapperProvider
    from .cloud_sip_ua import CloudSipUa, CloudSipUaProvider
    from .device import Device, DeviceProvider
    from .media_service import MediaService, MediaServiceProvider
    from .notification_settings import NotificationSettings, NotificationSettingsProvider
    from .siprec_service import SiprecService, SiprecServiceProvider
    from .site_host import SiteHost, SiteHostProvider
    from .trunk import Trunk, TrunkProvider

# Loaded on first use, so that unpickling one provider imports one resource module.
_LAZY = {
    "AlarmBridge": ".alarm_bridge",
    "AlarmBridgeProvider": ".alarm_bridge",
    "AlarmEventMapper": ".alarm_event_mapper",
    "AlarmEventMapperProvider": ".alarm_event_mapper",
    "CloudSipUa": ".cloud_sip_ua",
    "CloudSipUaProvider": ".cloud_sip_ua",
    "Device": ".device",
    "DeviceProvider": ".device",
    "MediaService": ".media_service",
    "MediaServiceProvider": ".media_service",
    "NotificationSettings": ".notification_settings",
    "NotificationSettingsProvider": ".notification_settings",
    "SiprecService": ".siprec_service",
    "SiprecServiceProvider": ".siprec_service",
    "SiteHost": ".site_host",
    "SiteHostProvider": ".site_host",
    "Trunk": ".trunk",
    "TrunkProvider": ".trunk",
}

__all__ = [
    "AlarmBridge",
    "AlarmBridgeProvider",
    "AlarmEventMapper",
    "AlarmEventMapperProvider",
    "CloudSipUa",
    "CloudSipUaProvider",
    "Device",
    "DeviceProvider",
    "MediaService",
    "MediaServiceProvider",
    "NotificationSettings",
    "NotificationSettingsProvider",
    "SiprecService",
    "SiprecServiceProvider",
    "SiteHost",
    "SiteHostProvider",
    "Trunk",
    "TrunkProvider",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
