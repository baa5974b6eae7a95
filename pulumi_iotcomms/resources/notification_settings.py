"""``NotificationSettings``: where a tenant's service events and alarms are posted."""

from __future__ import annotations

from pulumi_iotcomms.api.notificationsettings import NotificationSettings as NotificationSettingsModel
from pulumi_iotcomms.api.notificationsettings import NotificationSettingsApi

from ._generated.notification_settings import NotificationSettings
from ._singleton import SingletonProvider, settings_spec

__all__ = ["NotificationSettings", "NotificationSettingsProvider"]


class NotificationSettingsProvider(SingletonProvider):
    """Lifecycle of a domain's notification settings (GET/PUT whole)."""

    spec = settings_spec(
        "NotificationSettings",
        NotificationSettingsModel,
        kind="notificationsettings",
        noun="notification settings",
        doc="The event notification destinations of a tenant (one per domain): where its service alarms and"
        " SIP events go, by SNS or by HTTPS callbacks.",
    )
    singleton_api = NotificationSettingsApi
