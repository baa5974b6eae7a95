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
    """Objects signing the callback requests, tried in order."""
    alarm_topic: SnsTopicArn | None = None
    """AWS ARN of the SNS topic for service alarms."""
    sip_events_topic: SnsTopicArn | None = None
    """AWS ARN of the SNS topic for SIP events."""
    http_timeout: Annotated[Int32 | None, Field(ge=0)] = None
    """Total callback timeout in milliseconds, three retries included."""
    use_http_events: bool | None = None
    """Send events and alarms by HTTPS callbacks instead of SNS."""
    alarm_events_rest_endpoint: str | None = None
    """REST endpoint for alarm events."""
    sip_events_rest_endpoint: HttpUrl | None = None
    """REST callback base URL for SIP events (http:// or https://)."""
    alarmbridge_callback_endpoint: HttpUrl | None = None
    """REST callback base URL for Alarmbridge (http:// or https://)."""


class NotificationSettingsApi(Singleton):
    """Read and set whole (``GET``/``PUT``); there is no delete."""

    kind = "notificationsettings"
