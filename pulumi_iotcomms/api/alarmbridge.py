"""Alarm bridges: ``/provisioning/alarmbridge/{domain}`` — receive alarm events from alarm devices."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from ._ops import Collection
from ._schema import COMPUTED, Behaviour, HttpsUrl, Regex, RestAuthentication, WireModel
from .device import AlarmProtocol

__all__ = [
    "AlarmBridge",
    "AlarmBridgeApi",
    "ToneSettings",
]


class ToneSettings(WireModel):
    """How the bridge sends DTMF tones."""

    callee_dtmf_send_type: str | None = None
    caller_dtmf_send_type: str | None = None
    dtmf_send_type: str | None = None


class AlarmBridge(WireModel):
    """An Alarmbridge service destination."""

    name: str
    protocol: AlarmProtocol
    protocol_mode: Literal["dtmf", "sdmf"]
    destination_match: Regex
    id: str | None = None
    alarm_event_mapper_id: str | None = None
    default_heartbeat_interval: Annotated[float | None, Field(ge=300000), Behaviour(server_default=300000)] = None
    use_vpn_connection: Annotated[bool | None, Field(alias="useVPNConnection"), Behaviour(server_default=False)] = None
    fallback_alarm_protocol: Literal["bs8521", "scaip", "tt92", "ttnew"] | None = None
    callback_timeout: Annotated[float | None, Behaviour(server_default=15000)] = None
    tone_settings: ToneSettings | None = None
    callback_name: str | None = None
    callback_description: str | None = None
    control_commands_enabled: Annotated[bool | None, Behaviour(server_default=True)] = None
    description: str | None = None
    arc_disconnect_clears_call: Annotated[bool | None, Behaviour(server_default=True)] = None
    custom_event_map: dict[str, Any] | None = None
    customer_site_id: Annotated[str | None, Field(pattern=r"^[a-zA-Z0-9_\-\.]+$")] = None
    callback_base_url: HttpsUrl | None = None
    rest_authentication: list[RestAuthentication] | None = None
    data_request_interval: float | None = None
    default_emergency_destination: str | None = None
    callback_id: Annotated[str | None, COMPUTED] = None
    # In the request samples, not in the field table:
    tone_powers: list[float] | None = None
    protocol_candidates: list[AlarmProtocol] | None = None
    protocol_modes: list[Literal["dtmf", "sdmf"]] | None = None


class AlarmBridgeApi(Collection):
    """Alarm bridges: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "alarmbridge"
    item_key = "alarmbridge"
    list_key = "alarmbridges"
    has_provisory = True
