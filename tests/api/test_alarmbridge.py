"""AlarmBridge: the wire model's constraints, defaults and metadata, and AlarmBridgeApi against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import validate_wire
from pulumi_iotcomms.api.alarmbridge import AlarmBridge, AlarmBridgeApi, ToneSettings
from pulumi_iotcomms.resources._engine import (
    changed_fields,
    fields_of,
    from_wire,
    secret_fields,
    to_wire,
    validate_state,
)
from tests.api._util import ALARM_PROTOCOLS, problems, round_trip
from tests.emulator_client import DOMAIN

MINIMAL: dict[str, Any] = {"name": "bridge", "protocol": "tt92", "protocolMode": "dtmf", "destinationMatch": "^alarm"}
"""Every required field, valid."""

SERVER_DEFAULTS: dict[str, Any] = {
    "default_heartbeat_interval": 300000,
    "use_vpn_connection": False,
    "callback_timeout": 15000,
    "control_commands_enabled": True,
    "arc_disconnect_clears_call": True,
}
"""The documented ``Default:`` values."""


# -- names -----------------------------------------------------------------------------------------


def test_wire_names_are_the_documented_camel_case_names() -> None:
    assert {name: field.alias for name, field in fields_of(AlarmBridge).items()} == {
        "name": "name",
        "protocol": "protocol",
        "protocol_mode": "protocolMode",
        "destination_match": "destinationMatch",
        "id": "id",
        "alarm_event_mapper_id": "alarmEventMapperId",
        "default_heartbeat_interval": "defaultHeartbeatInterval",
        "use_vpn_connection": "useVPNConnection",
        "fallback_alarm_protocol": "fallbackAlarmProtocol",
        "callback_timeout": "callbackTimeout",
        "tone_settings": "toneSettings",
        "callback_name": "callbackName",
        "callback_description": "callbackDescription",
        "control_commands_enabled": "controlCommandsEnabled",
        "description": "description",
        "arc_disconnect_clears_call": "arcDisconnectClearsCall",
        "custom_event_map": "customEventMap",
        "customer_site_id": "customerSiteId",
        "callback_base_url": "callbackBaseUrl",
        "rest_authentication": "restAuthentication",
        "data_request_interval": "dataRequestInterval",
        "default_emergency_destination": "defaultEmergencyDestination",
        "callback_id": "callbackId",
        "tone_powers": "tonePowers",
        "protocol_candidates": "protocolCandidates",
        "protocol_modes": "protocolModes",
    }
    assert {name: field.alias for name, field in fields_of(ToneSettings).items()} == {
        "callee_dtmf_send_type": "calleeDtmfSendType",
        "caller_dtmf_send_type": "callerDtmfSendType",
        "dtmf_send_type": "dtmfSendType",
    }


def test_use_vpn_connection_travels_as_use_vpn_in_capitals() -> None:
    model = AlarmBridge.model_validate({**MINIMAL, "use_vpn_connection": True})
    assert model.to_wire()["useVPNConnection"] is True
    assert to_wire(AlarmBridge, {"use_vpn_connection": True}) == {"useVPNConnection": True}
    assert from_wire(AlarmBridge, {"useVPNConnection": True}) == {"use_vpn_connection": True}
    lower = AlarmBridge.model_validate({**MINIMAL, "useVpnConnection": True}, by_alias=True, by_name=False)
    assert lower.use_vpn_connection is None  # a different (unknown) wire field, kept as is
    assert lower.to_wire()["useVpnConnection"] is True


# -- accepted documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ALARM_PROTOCOLS)
def test_every_documented_protocol_is_accepted(protocol: str) -> None:
    assert problems(AlarmBridge, {**MINIMAL, "protocol": protocol, "protocolCandidates": [protocol]}) == []


@pytest.mark.parametrize(
    "change",
    [
        {"protocolMode": "sdmf", "protocolModes": ["dtmf", "sdmf"]},
        {"fallbackAlarmProtocol": "bs8521"},
        {"fallbackAlarmProtocol": "scaip"},
        {"fallbackAlarmProtocol": "tt92"},
        {"fallbackAlarmProtocol": "ttnew"},
        {"defaultHeartbeatInterval": 300000},
        {"defaultHeartbeatInterval": 3600000.5},
        {"customerSiteId": "Site_1-a.b"},
        {"callbackBaseUrl": "https://arc.example.com/callbacks", "restAuthentication": [{"type": "RS256"}]},
        {"toneSettings": {"0": "inaudio", "calleeDtmfSendType": "2833", "dtmfSendType": "inband"}},
        {"tonePowers": [0, -12.5], "dataRequestInterval": 1600},
        {"useVPNConnection": True, "controlCommandsEnabled": False, "arcDisconnectClearsCall": False},
        {"alarmEventMapperId": "mapper-1", "defaultEmergencyDestination": "112", "callbackTimeout": 15000},
    ],
    ids=lambda change: ",".join(change),
)
def test_documented_values_are_accepted(change: dict[str, Any]) -> None:
    body = {**MINIMAL, **change}
    assert round_trip(AlarmBridge, body) == body


def test_callback_url_and_authentication_are_optional() -> None:
    model = AlarmBridge.model_validate(MINIMAL, by_alias=True, by_name=False)
    assert model.callback_base_url is None
    assert model.rest_authentication is None


# -- rejected documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "protocol", "protocolMode", "destinationMatch"])
def test_each_required_field_is_named_when_missing(field: str) -> None:
    body = {k: v for k, v in MINIMAL.items() if k != field}
    assert validate_wire(AlarmBridge, body)[1] == [(field, "Field required")]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"protocol": "morse"}, "protocol"),
        ({"protocol": "TT92"}, "protocol"),
        ({"protocolMode": "fsk"}, "protocolMode"),
        ({"fallbackAlarmProtocol": "api"}, "fallbackAlarmProtocol"),
        ({"fallbackAlarmProtocol": "multiprotocol"}, "fallbackAlarmProtocol"),
        ({"protocolCandidates": ["bs8521", "morse"]}, "protocolCandidates[1]"),
        ({"protocolModes": ["fsk"]}, "protocolModes[0]"),
        ({"defaultHeartbeatInterval": 299999}, "defaultHeartbeatInterval"),
        ({"defaultHeartbeatInterval": "300000"}, "defaultHeartbeatInterval"),
        ({"customerSiteId": "/regex/"}, "customerSiteId"),
        ({"customerSiteId": "site 1"}, "customerSiteId"),
        ({"customerSiteId": ""}, "customerSiteId"),
        ({"customerSiteId": "site1\n"}, "customerSiteId"),
        ({"destinationMatch": "(unclosed"}, "destinationMatch"),
        ({"callbackBaseUrl": "http://arc.example.com"}, "callbackBaseUrl"),
        ({"restAuthentication": [{"scope": 1}]}, "restAuthentication[0].scope"),
        ({"toneSettings": "2833"}, "toneSettings"),
        ({"toneSettings": {"dtmfSendType": 2833}}, "toneSettings.dtmfSendType"),
        ({"tonePowers": ["1"]}, "tonePowers[0]"),
        ({"useVPNConnection": "no"}, "useVPNConnection"),
        ({"controlCommandsEnabled": 1}, "controlCommandsEnabled"),
        ({"customEventMap": []}, "customEventMap"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_constraint_rejects_naming_the_field(change: dict[str, Any], path: str) -> None:
    assert problems(AlarmBridge, {**MINIMAL, **change}) == [path]


def test_state_problems_use_the_snake_case_paths() -> None:
    state = {
        "name": "bridge",
        "protocol": "tt92",
        "protocol_mode": "dtmf",
        "destination_match": "^a",
        "tone_settings": {"caller_dtmf_send_type": 2833},
        "customer_site_id": "a/b",
        "use_vpn_connection": "yes",
    }
    assert sorted(path for path, _ in validate_state(AlarmBridge, state)) == [
        "customer_site_id",
        "tone_settings.caller_dtmf_send_type",
        "use_vpn_connection",
    ]


# -- metadata and free-form JSON ---------------------------------------------------------------------


def test_secret_and_computed_fields_are_flagged() -> None:
    assert secret_fields(AlarmBridge) == {"rest_authentication"}
    assert {name for name, f in fields_of(AlarmBridge).items() if f.behaviour.computed} == {"callback_id"}


def test_documented_defaults_are_declared_as_server_defaults() -> None:
    declared = {n: f.behaviour.server_default for n, f in fields_of(AlarmBridge).items()}
    assert {n: d for n, d in declared.items() if d is not None} == SERVER_DEFAULTS


def test_custom_event_map_passes_through_with_its_keys_untouched() -> None:
    event_map = {
        "newAlarmbridgeEvent": {"event_code": "{{code}}", "Mixed-Key": [1, {"x_y": True}]},
        "snake_case_rule": None,
    }
    state = {**{"name": "b", "protocol": "api", "protocol_mode": "dtmf", "destination_match": "x"}}
    wire = to_wire(AlarmBridge, {**state, "custom_event_map": event_map})
    assert wire["customEventMap"] == event_map
    assert from_wire(AlarmBridge, wire)["custom_event_map"] == event_map
    model = AlarmBridge.model_validate(wire, by_alias=True, by_name=False)
    assert model.to_wire()["customEventMap"] == event_map


# -- AlarmBridgeApi ----------------------------------------------------------------------------------


def test_the_server_fills_exactly_the_declared_defaults(transport: Transport) -> None:
    """What the server fills in is what the model declares, so an unset default causes no diff."""
    api = AlarmBridgeApi(transport)
    api.create(DOMAIN, "b1", MINIMAL)
    got = api.get(DOMAIN, "b1")
    assert got is not None
    assert from_wire(AlarmBridge, got) == {**from_wire(AlarmBridge, MINIMAL), "id": "b1", **SERVER_DEFAULTS}
    assert (
        changed_fields(AlarmBridge, from_wire(AlarmBridge, got), {**from_wire(AlarmBridge, MINIMAL), "id": "b1"}) == []
    )
