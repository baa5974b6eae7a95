"""Pulumi lifecycle of every iotcomms.io object: one module per resource (its ``Resource`` class and provider).

No URLs and no HTTP here: the providers call typed operations in :mod:`pulumi_iotcomms.api`.
"""

from .alarm_bridge import AlarmBridge, AlarmBridgeProvider
from .alarm_event_mapper import AlarmEventMapper, AlarmEventMapperProvider
from .cloud_sip_ua import CloudSipUa, CloudSipUaProvider
from .device import Device, DeviceProvider
from .media_service import MediaService, MediaServiceProvider
from .notification_settings import NotificationSettings, NotificationSettingsProvider
from .siprec_service import SiprecService, SiprecServiceProvider
from .site_host import SiteHost, SiteHostProvider
from .trunk import Trunk, TrunkProvider

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
