"""AlarmEventMapper: the wire model's constraints, nested secrets and defaults, and AlarmEventMapperApi."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import behaviour, validate_wire
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapper, AlarmEventMapperApi, BackupEndpoint, TargetEndpoint
from pulumi_iotcomms.resources._engine import fields_of, from_wire, secret_fields, to_wire, validate_state
from tests.api._util import problems, round_trip
from tests.emulator.samples import SERVICE_SAMPLES
from tests.emulator_client import DOMAIN

MINIMAL: dict[str, Any] = {"name": "mapper", "alarmHandling": "drop", "targetEndpoint": {}}
"""Every required field, valid."""

DOCS_SAMPLE = SERVICE_SAMPLES["alarmeventmapper"]
"""The docs' request sample for POST /alarmeventmapper/{domain}."""

SERVER_DEFAULTS: dict[str, Any] = {
    "device_id_pad_length": 0,
    "controller_id_pad_length": 0,
    "map_device_id_to_controller_id": False,
}
"""The documented ``Default:`` values."""


# -- names -----------------------------------------------------------------------------------------


def test_wire_names_are_the_documented_camel_case_names() -> None:
    assert {name: field.alias for name, field in fields_of(AlarmEventMapper).items()} == {
        "name": "name",
        "alarm_handling": "alarmHandling",
        "target_endpoint": "targetEndpoint",
        "id": "id",
        "description": "description",
        "device_id_pad_length": "deviceIdPadLength",
        "controller_id_pad_length": "controllerIdPadLength",
        "map_device_id_to_controller_id": "mapDeviceIdToControllerId",
        "mapping_rules": "mappingRules",
        "unknown_alarm_event_voice_destination": "unknownAlarmEventVoiceDestination",
        "from_domain": "fromDomain",
        "max_session_duration": "maxSessionDuration",
        "use_voice_bridge": "useVoiceBridge",
        "caller_id": "callerId",
        "enable_destination_monitoring": "enableDestinationMonitoring",
        "wait_for_callback": "waitForCallback",
    }
    assert {name: field.alias for name, field in fields_of(TargetEndpoint).items()} == {
        "protocol": "protocol",
        "dest_addr": "destAddr",
        "sip_auth_user": "sipAuthUser",
        "sip_auth_password": "sipAuthPassword",
        "override_sip_from": "overrideSipFrom",
        "default_voice_destination": "defaultVoiceDestination",
        "backup_endpoint": "backupEndpoint",
    }
    assert {name: field.alias for name, field in fields_of(BackupEndpoint).items()} == {
        "backup_dest_addr": "backupDestAddr",
        "backup_sip_auth_user": "backupSipAuthUser",
        "backup_sip_auth_password": "backupSipAuthPassword",
        "backup_override_sip_from": "backupOverrideSipFrom",
        "backup_default_voice_destination": "backupDefaultVoiceDestination",
    }


def test_nested_state_maps_to_nested_camel_case() -> None:
    state = {
        "name": "m",
        "alarm_handling": "requestCallback",
        "target_endpoint": {"dest_addr": "sip:arc@x", "backup_endpoint": {"backup_sip_auth_password": "pw"}},
    }
    wire = to_wire(AlarmEventMapper, state)
    assert wire == {
        "name": "m",
        "alarmHandling": "requestCallback",
        "targetEndpoint": {"destAddr": "sip:arc@x", "backupEndpoint": {"backupSipAuthPassword": "pw"}},
    }
    assert from_wire(AlarmEventMapper, wire) == state
    assert AlarmEventMapper.model_validate(state).to_wire() == wire


# -- accepted documents ------------------------------------------------------------------------------


def test_docs_request_sample_is_accepted_and_serialized_verbatim() -> None:
    assert round_trip(AlarmEventMapper, DOCS_SAMPLE) == DOCS_SAMPLE


@pytest.mark.parametrize("handling", ["callEmergencyCenter", "usePredefinedDestination", "requestCallback", "drop"])
def test_every_documented_alarm_handling_is_accepted(handling: str) -> None:
    assert problems(AlarmEventMapper, {**MINIMAL, "alarmHandling": handling}) == []


@pytest.mark.parametrize("field", ["deviceIdPadLength", "controllerIdPadLength"])
@pytest.mark.parametrize("value", [0, 5, 10])
def test_pad_lengths_from_0_to_10_are_accepted(field: str, value: int) -> None:
    assert problems(AlarmEventMapper, {**MINIMAL, field: value}) == []


# -- rejected documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "alarmHandling", "targetEndpoint"])
def test_each_required_field_is_named_when_missing(field: str) -> None:
    body = {k: v for k, v in MINIMAL.items() if k != field}
    assert validate_wire(AlarmEventMapper, body)[1] == [(field, "Field required")]


@pytest.mark.parametrize("field", ["deviceIdPadLength", "controllerIdPadLength"])
@pytest.mark.parametrize("value", [-1, 11, 2.5, "3", True])
def test_pad_lengths_outside_0_to_10_or_not_integers_are_rejected(field: str, value: object) -> None:
    assert problems(AlarmEventMapper, {**MINIMAL, field: value}) == [field]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"alarmHandling": "ignore"}, "alarmHandling"),
        ({"alarmHandling": "Drop"}, "alarmHandling"),
        ({"targetEndpoint": "sip:arc@example.com"}, "targetEndpoint"),
        ({"targetEndpoint": {"sipAuthPassword": 1234}}, "targetEndpoint.sipAuthPassword"),
        (
            {"targetEndpoint": {"backupEndpoint": {"backupDestAddr": 1}}},
            "targetEndpoint.backupEndpoint.backupDestAddr",
        ),
        ({"targetEndpoint": {"backupEndpoint": []}}, "targetEndpoint.backupEndpoint"),
        ({"mapDeviceIdToControllerId": "true"}, "mapDeviceIdToControllerId"),
        ({"mappingRules": ["rule"]}, "mappingRules"),
        ({"maxSessionDuration": "60"}, "maxSessionDuration"),
        ({"waitForCallback": "5"}, "waitForCallback"),
        ({"useVoiceBridge": 0}, "useVoiceBridge"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_constraint_rejects_naming_the_field(change: dict[str, Any], path: str) -> None:
    assert problems(AlarmEventMapper, {**MINIMAL, **change}) == [path]


def test_state_problems_use_the_snake_case_paths() -> None:
    state = {
        "name": "m",
        "alarm_handling": "drop",
        "target_endpoint": {"sip_auth_user": 7, "backup_endpoint": {"backup_dest_addr": 1}},
        "device_id_pad_length": 11,
    }
    assert sorted(path for path, _ in validate_state(AlarmEventMapper, state)) == [
        "device_id_pad_length",
        "target_endpoint.backup_endpoint.backup_dest_addr",
        "target_endpoint.sip_auth_user",
    ]


# -- metadata and free-form JSON ---------------------------------------------------------------------


def test_sip_passwords_are_secret_at_every_level() -> None:
    assert behaviour(TargetEndpoint, "sip_auth_password").secret
    assert behaviour(BackupEndpoint, "backup_sip_auth_password").secret
    assert secret_fields(BackupEndpoint) == {"backup_sip_auth_password"}
    assert secret_fields(TargetEndpoint) == {"sip_auth_password", "backup_endpoint"}
    assert secret_fields(AlarmEventMapper) == {"target_endpoint"}
    assert not any(f.behaviour.computed for f in fields_of(AlarmEventMapper).values())


def test_documented_defaults_are_declared_as_server_defaults() -> None:
    declared = {n: f.behaviour.server_default for n, f in fields_of(AlarmEventMapper).items()}
    assert {n: d for n, d in declared.items() if d is not None} == SERVER_DEFAULTS


def test_mapping_rules_pass_through_with_their_keys_untouched() -> None:
    rules = {"scaip": {"status_code": {"001": "fire"}, "controllerId": "ctl-{{deviceId}}"}, "Other-Proto": [1, 2]}
    state = {"name": "m", "alarm_handling": "drop", "target_endpoint": {}, "mapping_rules": rules}
    wire = to_wire(AlarmEventMapper, state)
    assert wire["mappingRules"] == rules
    assert from_wire(AlarmEventMapper, wire)["mapping_rules"] == rules
    assert AlarmEventMapper.model_validate(wire, by_alias=True, by_name=False).to_wire()["mappingRules"] == rules


# -- AlarmEventMapperApi ------------------------------------------------------------------------------


def test_the_server_fills_the_declared_defaults_and_returns_the_passwords(transport: Transport) -> None:
    """Defaults come back as declared; nested passwords are not write-only: the server returns them."""
    api = AlarmEventMapperApi(transport)
    body = {
        **MINIMAL,
        "targetEndpoint": {"sipAuthPassword": "pw1", "backupEndpoint": {"backupSipAuthPassword": "pw2"}},
    }
    api.create(DOMAIN, "m1", body)
    got = api.get(DOMAIN, "m1")
    assert got is not None
    assert from_wire(AlarmEventMapper, got) == {**from_wire(AlarmEventMapper, body), "id": "m1", **SERVER_DEFAULTS}
