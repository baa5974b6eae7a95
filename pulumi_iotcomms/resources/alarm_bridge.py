"""``AlarmBridge``: a service destination receiving alarm events (``/provisioning/alarmbridge``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_iotcomms.api.alarmbridge import AlarmBridge as AlarmBridgeModel
from pulumi_iotcomms.api.alarmbridge import AlarmBridgeApi

from ._provider import IotcommsProvider, service_spec
from ._resource import resource_args

__all__ = ["AlarmBridge", "AlarmBridgeProvider"]


class AlarmBridgeProvider(IotcommsProvider):
    """Lifecycle of alarm bridges: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec("AlarmBridge", AlarmBridgeModel, AlarmBridgeApi, "alarm_bridge_id")


class AlarmBridge(pulumi.dynamic.Resource, module="iotcomms", name="AlarmBridge"):
    """An Alarmbridge service destination of a tenant domain.

    Pulumi id: ``<domain>/<alarm_bridge_id>``. ``alarm_bridge_id`` defaults to ``<resource name>-<7 characters>``
    derived from the stack and name, kept across updates and aliased renames. Changing ``domain``,
    ``alarm_bridge_id`` or ``provisory`` replaces the bridge. Pass
    ``alarm_event_mapper_id=mapper.alarm_event_mapper_id`` to link an :class:`AlarmEventMapper` (and create it
    first). The server generates ``callback_id``.
    """

    domain: pulumi.Output[str]
    alarm_bridge_id: pulumi.Output[str]
    provisory: pulumi.Output[bool | None]
    name: pulumi.Output[str]
    protocol: pulumi.Output[str]
    protocol_mode: pulumi.Output[str]
    destination_match: pulumi.Output[str]
    alarm_event_mapper_id: pulumi.Output[str | None]
    default_heartbeat_interval: pulumi.Output[float | None]
    use_vpn_connection: pulumi.Output[bool | None]
    fallback_alarm_protocol: pulumi.Output[str | None]
    callback_timeout: pulumi.Output[float | None]
    tone_settings: pulumi.Output[Mapping[str, Any] | None]
    callback_name: pulumi.Output[str | None]
    callback_description: pulumi.Output[str | None]
    control_commands_enabled: pulumi.Output[bool | None]
    description: pulumi.Output[str | None]
    arc_disconnect_clears_call: pulumi.Output[bool | None]
    custom_event_map: pulumi.Output[Mapping[str, Any] | None]
    customer_site_id: pulumi.Output[str | None]
    callback_base_url: pulumi.Output[str | None]
    rest_authentication: pulumi.Output[Sequence[Mapping[str, Any]] | None]
    data_request_interval: pulumi.Output[float | None]
    default_emergency_destination: pulumi.Output[str | None]
    tone_powers: pulumi.Output[Sequence[float] | None]
    protocol_candidates: pulumi.Output[Sequence[str] | None]
    protocol_modes: pulumi.Output[Sequence[str] | None]
    callback_id: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        protocol: pulumi.Input[str],
        protocol_mode: pulumi.Input[str],
        destination_match: pulumi.Input[str],
        alarm_bridge_id: pulumi.Input[str] | None = None,
        domain: pulumi.Input[str] | None = None,
        provisory: pulumi.Input[bool] | None = None,
        alarm_event_mapper_id: pulumi.Input[str] | None = None,
        default_heartbeat_interval: pulumi.Input[float] | None = None,
        use_vpn_connection: pulumi.Input[bool] | None = None,
        fallback_alarm_protocol: pulumi.Input[str] | None = None,
        callback_timeout: pulumi.Input[float] | None = None,
        tone_settings: pulumi.Input[Mapping[str, Any]] | None = None,
        callback_name: pulumi.Input[str] | None = None,
        callback_description: pulumi.Input[str] | None = None,
        control_commands_enabled: pulumi.Input[bool] | None = None,
        description: pulumi.Input[str] | None = None,
        arc_disconnect_clears_call: pulumi.Input[bool] | None = None,
        custom_event_map: pulumi.Input[Mapping[str, Any]] | None = None,
        customer_site_id: pulumi.Input[str] | None = None,
        callback_base_url: pulumi.Input[str] | None = None,
        rest_authentication: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None,
        data_request_interval: pulumi.Input[float] | None = None,
        default_emergency_destination: pulumi.Input[str] | None = None,
        tone_powers: pulumi.Input[Sequence[pulumi.Input[float]]] | None = None,
        protocol_candidates: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        protocol_modes: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare an alarm bridge.

        Args:
            resource_name: the Pulumi resource name.
            name: a name identifying this service.
            protocol: inbound alarm protocol: ``api``, ``bs8521``, ``deviceProvisioned``, ``nowip``, ``scaip``,
                ``tt92``, ``ttnew``, ``multiprotocol``, ``voicecall`` or ``nowipcontroller``.
            protocol_mode: ``dtmf`` or ``sdmf``; additional configuration of the protocol (tt92 only).
            destination_match: regular expression selecting the incoming calls this service handles.
            alarm_bridge_id: id of the bridge in the domain; defaults to ``<resource name>-<7 chars>``.
            domain: tenant domain; defaults to the ``iotcomms:domain`` config.
            provisory: store in the provisory configuration (not used by the service) instead.
            alarm_event_mapper_id: id of the alarm event mapper used by this service destination.
            default_heartbeat_interval: default device heartbeat interval in milliseconds, >= 300000 (default).
            use_vpn_connection: disable NAT traversal and use private IP addresses (default false).
            fallback_alarm_protocol: ``bs8521``, ``scaip``, ``tt92`` or ``ttnew``.
            callback_timeout: milliseconds before a callback request counts as failed (default 15000).
            tone_settings: how DTMF tones are sent: ``{"callee_dtmf_send_type", "caller_dtmf_send_type",
                "dtmf_send_type"}`` (e.g. ``"2833"``).
            callback_name: a name identifying the callback resource.
            callback_description: a description identifying the callback resource.
            control_commands_enabled: stay in the media path after the alarm event's voice call is set up
                (default true).
            description: description of the service.
            arc_disconnect_clears_call: a hangup from the ARC sends a clear command to the device first
                (default true).
            custom_event_map: rules transforming alarm events in callback requests, keys verbatim.
            customer_site_id: ``^[a-zA-Z0-9_\\-\\.]+$``; copied to callbacks and prefixing device lookups.
            callback_base_url: HTTPS base URL the callback requests are sent to (must start with https://).
            rest_authentication: objects signing the callback requests, tried in order: ``{"type" (e.g.
                ``RS256``), "sub", "scope", "secret" (secret), "request_headers" (keys verbatim)}``.
            data_request_interval: milliseconds between data request tones (bs8521; default 1600).
            default_emergency_destination: default emergency destination number of new alarm events.
            tone_powers: tone power levels (in the request samples only).
            protocol_candidates: candidate inbound protocols, e.g. ``["bs8521"]`` (in the request samples only).
            protocol_modes: protocol modes, ``dtmf`` or ``sdmf`` (in the request samples only).
            adopt: take over an existing bridge with this id and converge it, instead of failing.
            opts: Pulumi resource options.
        """
        props, options = resource_args(
            AlarmBridgeProvider.spec,
            resource_name,
            {
                "domain": domain,
                "alarm_bridge_id": alarm_bridge_id,
                "provisory": provisory,
                "name": name,
                "protocol": protocol,
                "protocol_mode": protocol_mode,
                "destination_match": destination_match,
                "alarm_event_mapper_id": alarm_event_mapper_id,
                "default_heartbeat_interval": default_heartbeat_interval,
                "use_vpn_connection": use_vpn_connection,
                "fallback_alarm_protocol": fallback_alarm_protocol,
                "callback_timeout": callback_timeout,
                "tone_settings": tone_settings,
                "callback_name": callback_name,
                "callback_description": callback_description,
                "control_commands_enabled": control_commands_enabled,
                "description": description,
                "arc_disconnect_clears_call": arc_disconnect_clears_call,
                "custom_event_map": custom_event_map,
                "customer_site_id": customer_site_id,
                "callback_base_url": callback_base_url,
                "rest_authentication": rest_authentication,
                "data_request_interval": data_request_interval,
                "default_emergency_destination": default_emergency_destination,
                "tone_powers": tone_powers,
                "protocol_candidates": protocol_candidates,
                "protocol_modes": protocol_modes,
                "adopt": adopt,
            },
            opts,
        )
        super().__init__(AlarmBridgeProvider(), resource_name, props, options)
