"""``AlarmEventMapper``: how alarm events are handled and where they go (``/provisioning/alarmeventmapper``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapper as AlarmEventMapperModel
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapperApi

from ._provider import IotcommsProvider, service_spec
from ._resource import resource_args

__all__ = ["AlarmEventMapper", "AlarmEventMapperProvider"]


class AlarmEventMapperProvider(IotcommsProvider):
    """Lifecycle of alarm event mappers: POST creates, PATCH updates, ``provisory`` selects the provisory space."""

    spec = service_spec("AlarmEventMapper", AlarmEventMapperModel, AlarmEventMapperApi, "alarm_event_mapper_id")


class AlarmEventMapper(pulumi.dynamic.Resource, module="iotcomms", name="AlarmEventMapper"):
    """An alarm event mapper of a tenant domain, used by alarm bridges.

    Pulumi id: ``<domain>/<alarm_event_mapper_id>``. ``alarm_event_mapper_id`` defaults to ``<resource name>-<7
    characters>`` derived from the stack and name, kept across updates and aliased renames; pass it to
    ``AlarmBridge(alarm_event_mapper_id=...)``. Changing ``domain``, ``alarm_event_mapper_id`` or ``provisory``
    replaces the mapper. ``target_endpoint`` holds SIP passwords, so the whole object is kept secret.
    """

    domain: pulumi.Output[str]
    alarm_event_mapper_id: pulumi.Output[str]
    provisory: pulumi.Output[bool | None]
    name: pulumi.Output[str]
    alarm_handling: pulumi.Output[str]
    target_endpoint: pulumi.Output[Mapping[str, Any]]
    description: pulumi.Output[str | None]
    device_id_pad_length: pulumi.Output[int | None]
    controller_id_pad_length: pulumi.Output[int | None]
    map_device_id_to_controller_id: pulumi.Output[bool | None]
    mapping_rules: pulumi.Output[Mapping[str, Any] | None]
    unknown_alarm_event_voice_destination: pulumi.Output[str | None]
    from_domain: pulumi.Output[str | None]
    max_session_duration: pulumi.Output[float | None]
    use_voice_bridge: pulumi.Output[bool | None]
    caller_id: pulumi.Output[str | None]
    enable_destination_monitoring: pulumi.Output[bool | None]
    wait_for_callback: pulumi.Output[float | None]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        alarm_handling: pulumi.Input[str],
        target_endpoint: pulumi.Input[Mapping[str, Any]],
        alarm_event_mapper_id: pulumi.Input[str] | None = None,
        domain: pulumi.Input[str] | None = None,
        provisory: pulumi.Input[bool] | None = None,
        description: pulumi.Input[str] | None = None,
        device_id_pad_length: pulumi.Input[int] | None = None,
        controller_id_pad_length: pulumi.Input[int] | None = None,
        map_device_id_to_controller_id: pulumi.Input[bool] | None = None,
        mapping_rules: pulumi.Input[Mapping[str, Any]] | None = None,
        unknown_alarm_event_voice_destination: pulumi.Input[str] | None = None,
        from_domain: pulumi.Input[str] | None = None,
        max_session_duration: pulumi.Input[float] | None = None,
        use_voice_bridge: pulumi.Input[bool] | None = None,
        caller_id: pulumi.Input[str] | None = None,
        enable_destination_monitoring: pulumi.Input[bool] | None = None,
        wait_for_callback: pulumi.Input[float] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare an alarm event mapper.

        Args:
            resource_name: the Pulumi resource name.
            name: a name identifying this service.
            alarm_handling: ``callEmergencyCenter``, ``usePredefinedDestination``, ``requestCallback`` or ``drop``
                (clear the alarm event without a voice call).
            target_endpoint: the alarm receiver events go to (secret): ``{"protocol", "dest_addr",
                "sip_auth_user", "sip_auth_password", "override_sip_from", "default_voice_destination",
                "backup_endpoint": {"backup_dest_addr", "backup_sip_auth_user", "backup_sip_auth_password",
                "backup_override_sip_from", "backup_default_voice_destination"}}``.
            alarm_event_mapper_id: id of the mapper in the domain; defaults to ``<resource name>-<7 chars>``.
            domain: tenant domain; defaults to the ``iotcomms:domain`` config.
            provisory: store in the provisory configuration (not used by the service) instead.
            description: description of the service.
            device_id_pad_length: leading zeros padding of deviceId, 0..10 (default 0; with the controller id mapping).
            controller_id_pad_length: leading zeros padding of controllerId, 0..10 (default 0; with the mapping).
            map_device_id_to_controller_id: concatenate controllerId and deviceId, then drop deviceId (default false).
            mapping_rules: protocol specific alarm mapping rules, keys verbatim.
            unknown_alarm_event_voice_destination: fallback SIP URI when an alarm event cannot be decoded.
            from_domain: overrides the domain part of the SIP From: header.
            max_session_duration: overrides the default time a session exists in the service.
            use_voice_bridge: switch the voice bridge on or off.
            caller_id: overrides the callerId field of the outbound alarm event.
            enable_destination_monitoring: monitor whether the target or backup is active.
            wait_for_callback: time to wait for a callback (in the request samples only, e.g. 5).
            adopt: take over an existing mapper with this id and converge it, instead of failing.
            opts: Pulumi resource options.
        """
        props, options = resource_args(
            AlarmEventMapperProvider.spec,
            resource_name,
            {
                "domain": domain,
                "alarm_event_mapper_id": alarm_event_mapper_id,
                "provisory": provisory,
                "name": name,
                "alarm_handling": alarm_handling,
                "target_endpoint": target_endpoint,
                "description": description,
                "device_id_pad_length": device_id_pad_length,
                "controller_id_pad_length": controller_id_pad_length,
                "map_device_id_to_controller_id": map_device_id_to_controller_id,
                "mapping_rules": mapping_rules,
                "unknown_alarm_event_voice_destination": unknown_alarm_event_voice_destination,
                "from_domain": from_domain,
                "max_session_duration": max_session_duration,
                "use_voice_bridge": use_voice_bridge,
                "caller_id": caller_id,
                "enable_destination_monitoring": enable_destination_monitoring,
                "wait_for_callback": wait_for_callback,
                "adopt": adopt,
            },
            opts,
        )
        super().__init__(AlarmEventMapperProvider(), resource_name, props, options)
