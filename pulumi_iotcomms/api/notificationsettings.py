"""Notification settings: ``/provisioning/notificationsettings/{domain}`` — where events are posted."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ._ops import Singleton
from ._schema import HttpUrl, Int32, RestAuthentication, WireModel

__all__ = [
    "NotificationSettings",
    "NotificationSettingsApi",
    "SnsTopicArn",
]

SnsTopicArn = Annotated[str, Field(pattern=r"^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]*:\d*:[A-Za-z0-9_.-]+$")]


class NotificationSettings(WireModel):
    """Event notification destinations of a tenant (one object per domain)."""

    rest_authentication: list[RestAuthentication] | None = None
    alarm_topic: SnsTopicArn | None = None
    sip_events_topic: SnsTopicArn | None = None
    http_timeout: Annotated[Int32 | None, Field(ge=0)] = None
    use_http_events: bool | None = None
    alarm_events_rest_endpoint: str | None = None
    sip_events_rest_endpoint: HttpUrl | None = None
    alarmbridge_callback_endpoint: HttpUrl | None = None


class NotificationSettingsApi(Singleton):
    """Read and set whole (``GET``/``PUT``); there is no delete."""

    kind = "notificationsettings"
