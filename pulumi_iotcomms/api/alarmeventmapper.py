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
    backup_sip_auth_user: str | None = None
    backup_sip_auth_password: Annotated[str | None, SECRET] = None
    backup_override_sip_from: str | None = None
    backup_default_voice_destination: str | None = None


class TargetEndpoint(WireModel):
    """The alarm receiver that events are forwarded to."""

    protocol: str | None = None
    dest_addr: str | None = None
    sip_auth_user: str | None = None
    sip_auth_password: Annotated[str | None, SECRET] = None
    override_sip_from: str | None = None
    default_voice_destination: str | None = None
    backup_endpoint: BackupEndpoint | None = None


PadLength = Annotated[int | None, Field(ge=0, le=10), Behaviour(server_default=0)]


class AlarmEventMapper(WireModel):
    """An alarm event mapper: how alarm events are handled and where they go."""

    name: str
    alarm_handling: Literal["callEmergencyCenter", "usePredefinedDestination", "requestCallback", "drop"]
    target_endpoint: TargetEndpoint
    id: str | None = None
    description: str | None = None
    device_id_pad_length: PadLength = None
    controller_id_pad_length: PadLength = None
    map_device_id_to_controller_id: Annotated[bool | None, Behaviour(server_default=False)] = None
    mapping_rules: dict[str, Any] | None = None
    unknown_alarm_event_voice_destination: str | None = None
    from_domain: str | None = None
    max_session_duration: float | None = None
    use_voice_bridge: bool | None = None
    caller_id: str | None = None
    enable_destination_monitoring: bool | None = None
    # In the request samples, not in the field table:
    wait_for_callback: float | None = None


class AlarmEventMapperApi(Collection):
    """Alarm event mappers: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "alarmeventmapper"
    item_key = "alarmeventmapper"
    list_key = "alarmeventmappers"
    has_provisory = True
