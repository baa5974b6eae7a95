"""Alarm event mappers: ``/provisioning/alarmeventmapper/{domain}`` — where alarm events are sent."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._ops import Collection
from ._schema import SECRET, Behaviour, WireModel

__all__ = [
    "AlarmEventMapper",
    "AlarmEventMapperApi",
    "BackupEndpoint",
    "TargetEndpoint",
]


class BackupEndpoint(WireModel):
    """The endpoint used when the target endpoint does not answer."""

    backup_dest_addr: str | None = None
    """SIP URI of the backup receiver."""
    backup_sip_auth_user: str | None = None
    """SIP user authenticating at the backup receiver."""
    backup_sip_auth_password: Annotated[str | None, SECRET] = None
    """SIP password authenticating at the backup receiver."""
    backup_override_sip_from: str | None = None
    """Overrides the SIP From: header towards the backup."""
    backup_default_voice_destination: str | None = None
    """SIP URI the voice call goes to by default, with the backup."""


class TargetEndpoint(WireModel):
    """The alarm receiver that events are forwarded to."""

    protocol: str | None = None
    """The protocol events are sent with, e.g. ``scaip``."""
    dest_addr: str | None = None
    """SIP URI of the alarm receiver."""
    sip_auth_user: str | None = None
    """SIP user authenticating at the receiver."""
    sip_auth_password: Annotated[str | None, SECRET] = None
    """SIP password authenticating at the receiver."""
    override_sip_from: str | None = None
    """Overrides the SIP From: header."""
    default_voice_destination: str | None = None
    """SIP URI the voice call goes to by default."""
    backup_endpoint: BackupEndpoint | None = None
    """The receiver used when this one does not answer."""


PadLength = Annotated[int | None, Field(ge=0, le=10), Behaviour(server_default=0)]


class AlarmEventMapper(WireModel):
    """An alarm event mapper: how alarm events are handled and where they go."""

    name: str
    """A name identifying this service."""
    alarm_handling: Literal["callEmergencyCenter", "usePredefinedDestination", "requestCallback", "drop"]
    """``callEmergencyCenter``, ``usePredefinedDestination``, ``requestCallback`` or ``drop`` (clear the alarm event
    without a voice call).
    """
    target_endpoint: TargetEndpoint
    """The alarm receiver events go to, and its backup (the whole object is kept secret)."""
    id: str | None = None
    description: str | None = None
    """Description of the service."""
    device_id_pad_length: PadLength = None
    """Leading zeros padding of deviceId, 0..10 (default 0; with the controller id mapping)."""
    controller_id_pad_length: PadLength = None
    """Leading zeros padding of controllerId, 0..10 (default 0; with the mapping)."""
    map_device_id_to_controller_id: Annotated[bool | None, Behaviour(server_default=False)] = None
    """Concatenate controllerId and deviceId, then drop deviceId (default false)."""
    mapping_rules: dict[str, Any] | None = None
    """Protocol specific alarm mapping rules, keys verbatim."""
    unknown_alarm_event_voice_destination: str | None = None
    """Fallback SIP URI when an alarm event cannot be decoded."""
    from_domain: str | None = None
    """Overrides the domain part of the SIP From: header."""
    max_session_duration: float | None = None
    """Overrides the default time a session exists in the service."""
    use_voice_bridge: bool | None = None
    """Switch the voice bridge on or off."""
    caller_id: str | None = None
    """Overrides the callerId field of the outbound alarm event."""
    enable_destination_monitoring: bool | None = None
    """Monitor whether the target or backup is active."""
    # In the request samples, not in the field table:
    wait_for_callback: float | None = None
    """Time to wait for a callback (in the request samples only, e.g. 5)."""


class AlarmEventMapperApi(Collection):
    """Alarm event mappers: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "alarmeventmapper"
    item_key = "alarmeventmapper"
    list_key = "alarmeventmappers"
    has_provisory = True
