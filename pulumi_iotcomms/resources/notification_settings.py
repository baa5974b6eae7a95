"""``NotificationSettings``: where a tenant's service events and alarms are posted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_iotcomms.api.notificationsettings import NotificationSettings as NotificationSettingsModel
from pulumi_iotcomms.api.notificationsettings import NotificationSettingsApi

from ._provider import Spec
from ._resource import resource_args
from ._singleton import PREVIOUS, SingletonProvider

__all__ = ["NotificationSettings", "NotificationSettingsProvider"]


class NotificationSettingsProvider(SingletonProvider):
    """Lifecycle of a domain's notification settings (GET/PUT whole)."""

    spec = Spec(name="NotificationSettings", model=NotificationSettingsModel, kept=(PREVIOUS,))
    singleton_api = NotificationSettingsApi


class NotificationSettings(pulumi.dynamic.Resource, module="iotcomms", name="NotificationSettings"):
    """The event notification destinations of a tenant (one per domain).

    Pulumi id: ``<domain>/notificationsettings``. The service has no create or delete: creating this
    resource records the settings that existed before (secret output ``previous_settings``, their JSON
    text) and destroying it restores exactly those. Settings that are already set (anything but ``{}``)
    were made elsewhere: creating fails rather than taking them over, unless ``adopt=True``. Updates
    PUT the whole object.
    """

    domain: pulumi.Output[str]
    rest_authentication: pulumi.Output[Sequence[Mapping[str, Any]] | None]
    alarm_topic: pulumi.Output[str | None]
    sip_events_topic: pulumi.Output[str | None]
    http_timeout: pulumi.Output[int | None]
    use_http_events: pulumi.Output[bool | None]
    alarm_events_rest_endpoint: pulumi.Output[str | None]
    sip_events_rest_endpoint: pulumi.Output[str | None]
    alarmbridge_callback_endpoint: pulumi.Output[str | None]
    # Any: JSON text, but an object in state written by the earlier release (the SDK checks the type).
    previous_settings: pulumi.Output[Any]

    _provider_class: type[SingletonProvider] = NotificationSettingsProvider

    def __init__(
        self,
        resource_name: str,
        *,
        domain: pulumi.Input[str] | None = None,
        rest_authentication: pulumi.Input[Sequence[Mapping[str, Any]]] | None = None,
        alarm_topic: pulumi.Input[str] | None = None,
        sip_events_topic: pulumi.Input[str] | None = None,
        http_timeout: pulumi.Input[int] | None = None,
        use_http_events: pulumi.Input[bool] | None = None,
        alarm_events_rest_endpoint: pulumi.Input[str] | None = None,
        sip_events_rest_endpoint: pulumi.Input[str] | None = None,
        alarmbridge_callback_endpoint: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the notification settings of a domain.

        Args:
            resource_name: the Pulumi resource name.
            domain: tenant domain; defaults to the ``iotcomms:domain`` config.
            rest_authentication: callback authentication objects ``{"type", "sub", "scope", "secret",
                "request_headers"}`` tried in order (secret).
            alarm_topic: AWS ARN of the SNS topic for service alarms.
            sip_events_topic: AWS ARN of the SNS topic for SIP events.
            http_timeout: total callback timeout in milliseconds, three retries included.
            use_http_events: send events and alarms by HTTPS callbacks instead of SNS.
            alarm_events_rest_endpoint: REST endpoint for alarm events.
            sip_events_rest_endpoint: REST callback base URL for SIP events (http:// or https://).
            alarmbridge_callback_endpoint: REST callback base URL for Alarmbridge (http:// or https://).
            adopt: take over settings that are already set on the domain (they are recorded and
                restored on destroy), instead of failing.
            opts: Pulumi resource options.
        """
        args = {
            "domain": domain,
            "rest_authentication": rest_authentication,
            "alarm_topic": alarm_topic,
            "sip_events_topic": sip_events_topic,
            "http_timeout": http_timeout,
            "use_http_events": use_http_events,
            "alarm_events_rest_endpoint": alarm_events_rest_endpoint,
            "sip_events_rest_endpoint": sip_events_rest_endpoint,
            "alarmbridge_callback_endpoint": alarmbridge_callback_endpoint,
            "adopt": adopt,
        }
        props, options = resource_args(self._provider_class.spec, resource_name, args, opts)
        super().__init__(self._provider_class(), resource_name, props, options)
