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
    """How DTMF tones are sent to the callee, e.g. ``"2833"``."""
    caller_dtmf_send_type: str | None = None
    """How DTMF tones are sent to the caller, e.g. ``"2833"``."""
    dtmf_send_type: str | None = None
    """How DTMF tones are sent, e.g. ``"2833"``."""


class AlarmBridge(WireModel):
    """An Alarmbridge service destination."""

    name: str
    """A name identifying this service."""
    protocol: AlarmProtocol
    """Inbound alarm protocol: ``api``, ``bs8521``, ``deviceProvisioned``, ``nowip``, ``scaip``, ``tt92``, ``ttnew``,
    ``multiprotocol``, ``voicecall`` or ``nowipcontroller``.
    """
    protocol_mode: Literal["dtmf", "sdmf"]
    """``dtmf`` or ``sdmf``; additional configuration of the protocol (tt92 only)."""
    destination_match: Regex
    """Regular expression selecting the incoming calls this service handles."""
    id: str | None = None
    alarm_event_mapper_id: str | None = None
    """Id of the alarm event mapper used by this service destination."""
    default_heartbeat_interval: Annotated[float | None, Field(ge=300000), Behaviour(server_default=300000)] = None
    """Default device heartbeat interval in milliseconds, >= 300000 (default)."""
    use_vpn_connection: Annotated[bool | None, Field(alias="useVPNConnection"), Behaviour(server_default=False)] = None
    """Disable NAT traversal and use private IP addresses (default false)."""
    fallback_alarm_protocol: Literal["bs8521", "scaip", "tt92", "ttnew"] | None = None
    """``bs8521``, ``scaip``, ``tt92`` or ``ttnew``."""
    callback_timeout: Annotated[float | None, Behaviour(server_default=15000)] = None
    """Milliseconds before a callback request counts as failed (default 15000)."""
    tone_settings: ToneSettings | None = None
    """How DTMF tones are sent: ``{"callee_dtmf_send_type", "caller_dtmf_send_type", "dtmf_send_type"}`` (e.g.
    ``"2833"``).
    """
    callback_name: str | None = None
    """A name identifying the callback resource."""
    callback_description: str | None = None
    """A description identifying the callback resource."""
    control_commands_enabled: Annotated[bool | None, Behaviour(server_default=True)] = None
    """Stay in the media path after the alarm event's voice call is set up (default true)."""
    description: str | None = None
    """Description of the service."""
    arc_disconnect_clears_call: Annotated[bool | None, Behaviour(server_default=True)] = None
    """A hangup from the ARC sends a clear command to the device first (default true)."""
    custom_event_map: dict[str, Any] | None = None
    """Rules transforming alarm events in callback requests, keys verbatim."""
    customer_site_id: Annotated[str | None, Field(pattern=r"^[a-zA-Z0-9_\-\.]+$")] = None
    r"""``^[a-zA-Z0-9_\-\.]+$``; copied to callbacks and prefixing device lookups."""
    callback_base_url: HttpsUrl | None = None
    """HTTPS base URL the callback requests are sent to (must start with https://)."""
    rest_authentication: list[RestAuthentication] | None = None
    """Objects signing the callback requests, tried in order."""
    data_request_interval: float | None = None
    """Milliseconds between data request tones (bs8521; default 1600)."""
    default_emergency_destination: str | None = None
    """Default emergency destination number of new alarm events."""
    callback_id: Annotated[str | None, COMPUTED] = None
    """Id of the callback resource (server-set)."""
    # In the request samples, not in the field table:
    tone_powers: list[float] | None = None
    """Tone power levels (in the request samples only)."""
    protocol_candidates: list[AlarmProtocol] | None = None
    """Candidate inbound protocols, e.g. ``["bs8521"]`` (in the request samples only)."""
    protocol_modes: list[Literal["dtmf", "sdmf"]] | None = None
    """Protocol modes, ``dtmf`` or ``sdmf`` (in the request samples only)."""


class AlarmBridgeApi(Collection):
    """Alarm bridges: POST provisions (id in the body), PUT overwrites, PATCH patches; provisory space."""

    kind = "alarmbridge"
    item_key = "alarmbridge"
    list_key = "alarmbridges"
    has_provisory = True
