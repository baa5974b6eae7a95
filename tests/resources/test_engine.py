"""The shared mapping/diff/patch engine (``pulumi_iotcomms.resources._engine``), driven by the real wire models.

Pure unit tests: no HTTP. Covers state ⇄ wire mapping, normalisation, preview unknowns, validation with
property paths, secret detection, ``changed_fields`` and the RFC 6902 patches of ``minimal_patch``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import jsonpatch
import pytest
from pulumi import output
from pulumi.runtime import rpc

from pulumi_iotcomms.api._schema import RestAuthentication, WireModel
from pulumi_iotcomms.api.alarmbridge import AlarmBridge, ToneSettings
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapper, BackupEndpoint, TargetEndpoint
from pulumi_iotcomms.api.cloudsipua import CloudSipUa
from pulumi_iotcomms.api.device import Authorized, Device
from pulumi_iotcomms.api.mediaservice import MediaService
from pulumi_iotcomms.api.notificationsettings import NotificationSettings
from pulumi_iotcomms.api.profile import Profile
from pulumi_iotcomms.api.site import HostCommission
from pulumi_iotcomms.api.trunk import Trunk
from pulumi_iotcomms.errors import InputError
from pulumi_iotcomms.resources._engine import (
    changed_fields,
    fields_of,
    from_wire,
    is_unknown,
    minimal_patch,
    normalize,
    same_json,
    secret_fields,
    to_wire,
    validate_state,
)

#: The value the SDK's host hands ``check``/``diff`` for an output not known yet in a preview.
PREVIEW_UNKNOWN = output.UNKNOWN

# -- fixtures: one state and its wire form per model -----------------------------------------------

DEVICE_STATE: dict[str, Any] = {
    "device_id": "door-1",
    "auth_type": "userid",
    "device_type": "sipDevice",
    "description": "Front door",
    "device_cli": "+46701234567",
    "mac_address": "00:11:22:33:44:55",
    "password": "Door-Secret-1",
    "authorized": {"domain": "acme.example", "invite": "^sip:.*", "register": True},
    "service_data": {
        "alarmBridge": {"heartbeatInterval": 300000, "alarmProtocol": "scaip"},
        "custom_snake_key": {"nestedCamelKey": [1, "two", {"deep_key": None}]},
        "a/b~c": "slash and tilde",
    },
}
DEVICE_WIRE: dict[str, Any] = {
    "deviceId": "door-1",
    "authType": "userid",
    "deviceType": "sipDevice",
    "description": "Front door",
    "deviceCLI": "+46701234567",
    "macAddress": "00:11:22:33:44:55",
    "password": "Door-Secret-1",
    "authorized": {"domain": "acme.example", "invite": "^sip:.*", "register": True},
    "serviceData": {
        "alarmBridge": {"heartbeatInterval": 300000, "alarmProtocol": "scaip"},
        "custom_snake_key": {"nestedCamelKey": [1, "two", {"deep_key": None}]},
        "a/b~c": "slash and tilde",
    },
}

TRUNK_STATE: dict[str, Any] = {
    "destination_target": "sip.carrier.example",
    "destination_transport": "udp",
    "destination_match": "^\\+46",
    "local_codec": "PCMA",
    "source_networks": ["10.0.0.0/8", "192.0.2.1"],
    "use_private_ip": True,
    "force_rtp_relay": False,
    "user_name": "pbx",
    "realm": "sip.example.com",
    "password": "Trunk-Secret-1",
}
TRUNK_WIRE: dict[str, Any] = {
    "destinationTarget": "sip.carrier.example",
    "destinationTransport": "udp",
    "destinationMatch": "^\\+46",
    "localCodec": "PCMA",
    "sourceNetworks": ["10.0.0.0/8", "192.0.2.1"],
    "usePrivateIP": True,
    "forceRtpRelay": False,
    "userName": "pbx",
    "realm": "sip.example.com",
    "password": "Trunk-Secret-1",
}

MEDIA_STATE: dict[str, Any] = {
    "name": "ivr",
    "destination_match": "^ivr$",
    "callback_base_url": "https://ivr.example.com/hooks",
    "rest_authentication": [
        {"type": "RS256", "sub": "ivr", "secret": "Ivr-Secret-1"},
        {"type": "header", "request_headers": {"X-Api-Key": "k", "snake_header": "v", "Content-Type": "x"}},
    ],
    "offered_codecs": ["opus", "PCMA"],
    "callback_timeout": 2500,
    "google_service_key": {"private_key_id": "abc", "clientEmail": "svc@example.com"},
}
MEDIA_WIRE: dict[str, Any] = {
    "name": "ivr",
    "destinationMatch": "^ivr$",
    "callbackBaseUrl": "https://ivr.example.com/hooks",
    "restAuthentication": [
        {"type": "RS256", "sub": "ivr", "secret": "Ivr-Secret-1"},
        {"type": "header", "requestHeaders": {"X-Api-Key": "k", "snake_header": "v", "Content-Type": "x"}},
    ],
    "offeredCodecs": ["opus", "PCMA"],
    "callbackTimeout": 2500,
    "googleServiceKey": {"private_key_id": "abc", "clientEmail": "svc@example.com"},
}

MAPPER_STATE: dict[str, Any] = {
    "name": "arc",
    "alarm_handling": "callEmergencyCenter",
    "target_endpoint": {
        "protocol": "scaip",
        "dest_addr": "sip:arc@example.com",
        "sip_auth_password": "Arc-Secret-1",
        "backup_endpoint": {"backup_dest_addr": "sip:backup@example.com", "backup_sip_auth_password": "Bk-1"},
    },
    "device_id_pad_length": 4,
    "map_device_id_to_controller_id": True,
    "mapping_rules": {"eventCode": {"E100": "fire"}, "snake_rule": [{"matchKey": 1}]},
}
MAPPER_WIRE: dict[str, Any] = {
    "name": "arc",
    "alarmHandling": "callEmergencyCenter",
    "targetEndpoint": {
        "protocol": "scaip",
        "destAddr": "sip:arc@example.com",
        "sipAuthPassword": "Arc-Secret-1",
        "backupEndpoint": {"backupDestAddr": "sip:backup@example.com", "backupSipAuthPassword": "Bk-1"},
    },
    "deviceIdPadLength": 4,
    "mapDeviceIdToControllerId": True,
    "mappingRules": {"eventCode": {"E100": "fire"}, "snake_rule": [{"matchKey": 1}]},
}

BRIDGE_STATE: dict[str, Any] = {
    "name": "bridge",
    "protocol": "scaip",
    "protocol_mode": "dtmf",
    "destination_match": "^bridge$",
    "use_vpn_connection": True,
    "tone_settings": {"dtmf_send_type": "rfc2833"},
    "custom_event_map": {"E1": {"mappedCode": "fire"}},
    "tone_powers": [1.5, 2],
}
BRIDGE_WIRE: dict[str, Any] = {
    "name": "bridge",
    "protocol": "scaip",
    "protocolMode": "dtmf",
    "destinationMatch": "^bridge$",
    "useVPNConnection": True,
    "toneSettings": {"dtmfSendType": "rfc2833"},
    "customEventMap": {"E1": {"mappedCode": "fire"}},
    "tonePowers": [1.5, 2],
}

ROUND_TRIPS = [
    pytest.param(Device, DEVICE_STATE, DEVICE_WIRE, id="device"),
    pytest.param(Trunk, TRUNK_STATE, TRUNK_WIRE, id="trunk"),
    pytest.param(MediaService, MEDIA_STATE, MEDIA_WIRE, id="media-service"),
    pytest.param(AlarmEventMapper, MAPPER_STATE, MAPPER_WIRE, id="alarm-event-mapper"),
    pytest.param(AlarmBridge, BRIDGE_STATE, BRIDGE_WIRE, id="alarm-bridge"),
]


def _patched(server: Mapping[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """``server`` with ``ops`` applied by jsonpatch (``server`` itself is left alone)."""
    result: dict[str, Any] = jsonpatch.apply_patch(copy.deepcopy(dict(server)), ops)
    return result


# -- fields_of ------------------------------------------------------------------------------------


def test_fields_of_keys_fields_by_state_name_with_their_wire_alias() -> None:
    fields = fields_of(Device)
    assert list(fields) == list(Device.model_fields)
    assert fields["device_id"].alias == "deviceId"
    assert fields["device_cli"].alias == "deviceCLI"
    assert fields_of(Trunk)["use_private_ip"].alias == "usePrivateIP"
    assert fields_of(AlarmBridge)["use_vpn_connection"].alias == "useVPNConnection"
    assert fields_of(MediaService)["id"].alias == "id"


def test_fields_of_finds_nested_models_through_optional_and_list_annotations() -> None:
    assert (fields_of(Device)["authorized"].sub, fields_of(Device)["authorized"].many) == (Authorized, False)
    target = fields_of(AlarmEventMapper)["target_endpoint"]
    assert (target.sub, target.many) == (TargetEndpoint, False)
    assert fields_of(TargetEndpoint)["backup_endpoint"].sub is BackupEndpoint
    auth = fields_of(MediaService)["rest_authentication"]
    assert (auth.sub, auth.many) == (RestAuthentication, True)
    optional_auth = fields_of(AlarmBridge)["rest_authentication"]
    assert (optional_auth.sub, optional_auth.many) == (RestAuthentication, True)
    assert fields_of(AlarmBridge)["tone_settings"].sub is ToneSettings


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (Device, "service_data"),
        (Device, "description"),
        (Trunk, "source_networks"),
        (MediaService, "offered_codecs"),
        (MediaService, "google_service_key"),
        (AlarmEventMapper, "mapping_rules"),
        (AlarmBridge, "tone_powers"),
        (HostCommission, "network_interfaces"),
    ],
)
def test_fields_of_treats_scalars_lists_of_scalars_and_free_form_objects_as_leaves(
    model: type[WireModel], name: str
) -> None:
    field = fields_of(model)[name]
    assert field.sub is None
    assert field.many is False


def test_fields_of_reads_behaviour_metadata() -> None:
    device = fields_of(Device)
    assert device["device_id"].behaviour.replace
    assert device["password"].behaviour.secret
    assert device["last_configured"].behaviour.computed
    assert not device["description"].behaviour.replace
    trunk_password = fields_of(Trunk)["password"].behaviour
    assert trunk_password.write_only
    assert trunk_password.secret
    assert fields_of(Trunk)["type"].behaviour.server_default == "trunk"
    assert fields_of(AlarmEventMapper)["device_id_pad_length"].behaviour.server_default == 0
    assert fields_of(AlarmBridge)["callback_timeout"].behaviour.server_default == 15000


def test_fields_of_is_cached_per_model() -> None:
    assert fields_of(Device) is fields_of(Device)
    assert fields_of(Device) is not fields_of(Trunk)


# -- is_unknown / normalize -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [PREVIEW_UNKNOWN, rpc.UNKNOWN])
def test_is_unknown_accepts_the_sdk_unknown_and_the_wire_sentinel(value: Any) -> None:
    assert is_unknown(value)


@pytest.mark.parametrize("value", [None, "", "unknown", 0, False, [], {}, [PREVIEW_UNKNOWN], {"a": PREVIEW_UNKNOWN}])
def test_is_unknown_is_false_for_known_values_and_containers(value: Any) -> None:
    assert not is_unknown(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3.0, 3),
        (-0.0, 0),
        (1e12, 1_000_000_000_000),
        (2.5, 2.5),
        (7, 7),
        ("3.0", "3.0"),
        (None, None),
        (True, True),
        ({"a": 1.0, "b": [2.0, {"c": 3.5}]}, {"a": 1, "b": [2, {"c": 3.5}]}),
    ],
)
def test_normalize_turns_integral_floats_into_ints_everywhere(value: Any, expected: Any) -> None:
    result = normalize(value)
    assert result == expected
    assert type(result) is type(expected)


def test_normalize_keeps_nested_int_types_and_dict_keys() -> None:
    result = normalize({"Mixed_Key/1": [1.0, 1.5], "x~y": {"n": 300000.0}})
    assert result == {"Mixed_Key/1": [1, 1.5], "x~y": {"n": 300000}}
    assert type(result["Mixed_Key/1"][0]) is int
    assert type(result["x~y"]["n"]) is int


def test_normalize_leaves_non_finite_floats_alone() -> None:
    assert normalize(float("inf")) == float("inf")
    nan = normalize(float("nan"))
    assert isinstance(nan, float)
    assert nan != nan


# -- to_wire / from_wire ---------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "state", "wire"), ROUND_TRIPS)
def test_to_wire_maps_snake_case_state_to_camel_case_wire(
    model: type[WireModel], state: dict[str, Any], wire: dict[str, Any]
) -> None:
    assert to_wire(model, state) == wire


@pytest.mark.parametrize(("model", "state", "wire"), ROUND_TRIPS)
def test_from_wire_maps_camel_case_wire_back_to_state(
    model: type[WireModel], state: dict[str, Any], wire: dict[str, Any]
) -> None:
    assert from_wire(model, wire) == state


@pytest.mark.parametrize(("model", "state", "wire"), ROUND_TRIPS)
def test_state_survives_a_round_trip_through_the_wire(
    model: type[WireModel], state: dict[str, Any], wire: dict[str, Any]
) -> None:
    assert from_wire(model, to_wire(model, state)) == state
    assert to_wire(model, from_wire(model, wire)) == wire


@pytest.mark.parametrize(("model", "state", "wire"), ROUND_TRIPS)
def test_to_wire_output_is_what_the_wire_model_accepts_and_emits(
    model: type[WireModel], state: dict[str, Any], wire: dict[str, Any]
) -> None:
    body = to_wire(model, state)
    parsed = model.model_validate(body, by_alias=True, by_name=False)
    assert parsed.to_wire() == body
    assert parsed.model_extra == {}  # every key was a known field, none landed in the extras


def test_free_form_objects_keep_their_keys_untouched_both_ways() -> None:
    service_data = {"snake_key": 1, "camelKey": 2, "PascalKey": {"inner_snake": 3}, "with/slash": 4, "with~tilde": 5}
    wire = to_wire(Device, {"device_id": "d", "auth_type": "deviceid", "service_data": service_data})
    assert wire["serviceData"] == service_data
    assert from_wire(Device, wire)["service_data"] == service_data
    headers = {"X-Request-Id": "1", "lower_snake": "2"}
    ms_wire = to_wire(MediaService, {"rest_authentication": [{"request_headers": headers}]})
    assert ms_wire == {"restAuthentication": [{"requestHeaders": headers}]}
    assert from_wire(MediaService, ms_wire) == {"rest_authentication": [{"request_headers": headers}]}


def test_to_wire_normalizes_pulumi_floats_at_every_depth() -> None:
    state = {
        "name": "arc",
        "alarm_handling": "drop",
        "target_endpoint": {"protocol": "scaip"},
        "device_id_pad_length": 4.0,
        "max_session_duration": 60.5,
        "mapping_rules": {"priority": 2.0, "list": [1.0, 2.5]},
    }
    wire = to_wire(AlarmEventMapper, state)
    assert wire["deviceIdPadLength"] == 4
    assert type(wire["deviceIdPadLength"]) is int
    assert wire["maxSessionDuration"] == 60.5
    assert wire["mappingRules"] == {"priority": 2, "list": [1, 2.5]}
    assert type(wire["mappingRules"]["priority"]) is int


def test_to_wire_drops_none_values_and_computed_fields() -> None:
    state = {
        "device_id": "d",
        "auth_type": "deviceid",
        "description": None,
        "last_configured": 1700000000000,
        "heartbeat_status": "ok",
        "authorized": {"domain": None, "register": False},
    }
    assert to_wire(Device, state) == {"deviceId": "d", "authType": "deviceid", "authorized": {"register": False}}
    assert to_wire(MediaService, {"name": "ivr", "callback_id": "cb-1"}) == {"name": "ivr"}


def test_to_wire_of_an_empty_state_is_empty() -> None:
    assert to_wire(Device, {}) == {}
    assert from_wire(Device, {}) == {}


def test_to_wire_rejects_an_unknown_top_level_property_naming_it_and_the_settable_ones() -> None:
    with pytest.raises(InputError) as info:
        to_wire(Device, {"device_id": "d", "deviceId": "d"})
    assert info.value.path == "deviceId"
    assert info.value.allowed is not None
    allowed = info.value.allowed.split(", ")
    assert {"device_id", "service_data", "device_cli"} <= set(allowed)
    assert not {"last_configured", "heartbeat_status", "heartbeat_expiration"} & set(allowed)


def test_to_wire_rejects_an_unknown_nested_property_with_its_full_path() -> None:
    with pytest.raises(InputError) as info:
        to_wire(AlarmEventMapper, {"target_endpoint": {"backup_endpoint": {"backupDestAddr": "x"}}})
    assert info.value.path == "target_endpoint.backup_endpoint.backupDestAddr"
    assert info.value.allowed is not None
    assert "backup_dest_addr" in info.value.allowed.split(", ")


def test_to_wire_rejects_an_unknown_property_in_a_list_item_with_its_index() -> None:
    state = {"rest_authentication": [{"type": "RS256"}, {"type": "RS256", "requestHeaders": {}}]}
    with pytest.raises(InputError) as info:
        to_wire(MediaService, state)
    assert info.value.path == "rest_authentication[1].requestHeaders"
    assert info.value.allowed == "type, sub, scope, secret, request_headers"


def test_from_wire_drops_fields_the_model_does_not_know_and_nulls() -> None:
    wire = {
        "deviceId": "d",
        "authType": "deviceid",
        "description": None,
        "createdBy": "someone",
        "device_id": "snake-is-not-a-wire-name",
        "authorized": {"register": True, "futureFlag": 1},
    }
    assert from_wire(Device, wire) == {"device_id": "d", "auth_type": "deviceid", "authorized": {"register": True}}


def test_from_wire_keeps_server_computed_fields_and_normalizes_numbers() -> None:
    wire = {"deviceId": "d", "lastConfigured": 1700000000000.0, "heartbeatStatus": "alive"}
    state = from_wire(Device, wire)
    assert state == {"device_id": "d", "last_configured": 1700000000000, "heartbeat_status": "alive"}
    assert type(state["last_configured"]) is int


# -- validate_state --------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "state", "wire"), ROUND_TRIPS)
def test_validate_state_accepts_valid_states(
    model: type[WireModel], state: dict[str, Any], wire: dict[str, Any]
) -> None:
    del wire
    assert validate_state(model, state) == []


def test_validate_state_accepts_pulumi_floats_for_int_fields() -> None:
    state = {"name": "arc", "alarm_handling": "drop", "target_endpoint": {}, "device_id_pad_length": 3.0}
    assert validate_state(AlarmEventMapper, state) == []


def test_validate_state_reports_missing_required_fields_by_state_name() -> None:
    failures = validate_state(MediaService, {"name": "ivr"})
    assert [path for path, _ in failures] == ["destination_match", "callback_base_url", "rest_authentication"]
    assert all(problem == "Field required" for _, problem in failures)


@pytest.mark.parametrize(
    ("model", "state", "path"),
    [
        pytest.param(Device, {"device_id": "d", "auth_type": "deviceid", "device_cli": 5}, "device_cli", id="alias"),
        pytest.param(
            AlarmBridge,
            {**BRIDGE_STATE, "use_vpn_connection": "yes"},
            "use_vpn_connection",
            id="upper-case-alias",
        ),
        pytest.param(
            Device,
            {"device_id": "d", "auth_type": "userid", "password": "p", "authorized": {"invite": "("}},
            "authorized.invite",
            id="nested",
        ),
        pytest.param(
            AlarmEventMapper,
            {"name": "n", "alarm_handling": "drop", "target_endpoint": {"backup_endpoint": {"backup_dest_addr": 5}}},
            "target_endpoint.backup_endpoint.backup_dest_addr",
            id="two-levels",
        ),
        pytest.param(
            MediaService,
            {**MEDIA_STATE, "rest_authentication": [{"type": "RS256"}, {"secret": 42}]},
            "rest_authentication[1].secret",
            id="list-item",
        ),
        pytest.param(
            MediaService,
            {**MEDIA_STATE, "offered_codecs": ["opus", "G729"]},
            "offered_codecs[1]",
            id="list-of-scalars",
        ),
        pytest.param(
            Device,
            {"device_id": "d", "auth_type": "deviceid", "service_data": {"alarmBridge": {"heartbeatInterval": 5}}},
            "service_data.alarmBridge.heartbeatInterval",
            id="free-form-keys-kept",
        ),
    ],
)
def test_validate_state_names_the_failing_property_path(
    model: type[WireModel], state: dict[str, Any], path: str
) -> None:
    failures = validate_state(model, state)
    assert [p for p, _ in failures] == [path]
    assert failures[0][1]


@pytest.mark.parametrize(
    ("model", "state", "failure"),
    [
        (Device, {"device_id": "d", "auth_type": "userid"}, ("password", "required when auth_type is userid")),
        (
            Device,
            {"device_id": "d", "auth_type": "deviceid", "ha1": "0123456789abcdef0123456789abcdef"},
            ("ha1", "only used when auth_type is credentials"),
        ),
        (
            Trunk,
            {"destination_target": "t", "destination_transport": "udp", "destination_match": "x", "realm": "r"},
            ("user_name", "user_name, realm and password must be given together"),
        ),
    ],
)
def test_validate_state_maps_model_level_rules_to_state_names(
    model: type[WireModel], state: dict[str, Any], failure: tuple[str, str]
) -> None:
    assert validate_state(model, state) == [failure]


def test_validate_state_reports_an_unknown_property_with_the_allowed_names() -> None:
    failures = validate_state(Device, {"device_id": "d", "auth_type": "deviceid", "authorized": {"invites": "x"}})
    assert failures == [("authorized.invites", "unknown property; allowed: domain, invite, register")]


NON_FINITE = "must be a finite number: JSON has no NaN or Infinity"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize(
    ("model", "state", "path"),
    [
        (Device, {**DEVICE_STATE, "service_data": {"alarmBridge": {"x": "BAD"}}}, "service_data.alarmBridge.x"),
        (Device, {**DEVICE_STATE, "service_data": {"custom": ["ok", 1.5, "BAD"]}}, "service_data.custom[2]"),
        (
            AlarmEventMapper,
            {**MAPPER_STATE, "mapping_rules": {"scaip": [{"when": {"priority": "BAD"}}]}},
            "mapping_rules.scaip[0].when.priority",
        ),
        (AlarmEventMapper, {**MAPPER_STATE, "max_session_duration": "BAD"}, "max_session_duration"),
        (
            Device,
            {**DEVICE_STATE, "service_data": {"alarmBridge": {"heartbeatInterval": "BAD"}}},
            "service_data.alarmBridge.heartbeatInterval",
        ),
    ],
    ids=["free-form", "free-form-list-item", "mapping-rules", "typed-number", "typed-inside-free-form"],
)
def test_validate_state_refuses_non_finite_numbers_anywhere_naming_the_path_once(
    model: type[WireModel], state: dict[str, Any], path: str, bad: float
) -> None:
    def put(value: Any) -> Any:
        if value == "BAD":
            return bad
        if isinstance(value, dict):
            return {k: put(v) for k, v in value.items()}
        if isinstance(value, list):
            return [put(v) for v in value]
        return value

    assert validate_state(model, put(state)) == [(path, NON_FINITE)]


def test_validate_state_reports_non_finite_numbers_next_to_other_problems() -> None:
    state = {**DEVICE_STATE, "description": "x" * 201, "service_data": {"a": float("nan")}}
    assert sorted(p for p, _ in validate_state(Device, state)) == ["description", "service_data.a"]


def test_validate_state_skips_a_top_level_unknown_required_value() -> None:
    assert validate_state(MediaService, {**MEDIA_STATE, "name": PREVIEW_UNKNOWN}) == []
    assert validate_state(MediaService, {**MEDIA_STATE, "callback_base_url": rpc.UNKNOWN}) == []


def test_validate_state_does_not_check_the_wire_sentinel_against_field_constraints() -> None:
    # The sentinel string is neither 32 hex digits nor a URL; it must not be validated as one.
    assert validate_state(Device, {"device_id": "d", "auth_type": "credentials", "ha1": rpc.UNKNOWN}) == []


def test_validate_state_skips_model_rules_about_an_unknown_value() -> None:
    state = {"device_id": "d", "auth_type": "userid", "password": PREVIEW_UNKNOWN, "authorized": {"register": True}}
    assert validate_state(Device, state) == []


def test_validate_state_skips_unknowns_nested_in_objects_and_list_items() -> None:
    mapper = {"name": "n", "alarm_handling": "drop", "target_endpoint": {"dest_addr": PREVIEW_UNKNOWN}}
    assert validate_state(AlarmEventMapper, mapper) == []
    media = {**MEDIA_STATE, "rest_authentication": [{"type": "RS256", "secret": PREVIEW_UNKNOWN}]}
    assert validate_state(MediaService, media) == []
    whole_object_unknown = {"name": "n", "alarm_handling": "drop", "target_endpoint": PREVIEW_UNKNOWN}
    assert validate_state(AlarmEventMapper, whole_object_unknown) == []


def test_validate_state_still_reports_known_problems_next_to_unknowns() -> None:
    state = {
        "name": PREVIEW_UNKNOWN,
        "alarm_handling": "ignore",
        "target_endpoint": {"dest_addr": PREVIEW_UNKNOWN, "protocol": 7},
    }
    failures = validate_state(AlarmEventMapper, state)
    assert [p for p, _ in failures] == ["alarm_handling", "target_endpoint.protocol"]


def test_validate_state_keeps_list_indexes_after_an_unknown_item() -> None:
    # The items after an unknown one are reported at their own index, not shifted, nor hidden.
    codecs = {**MEDIA_STATE, "offered_codecs": [PREVIEW_UNKNOWN, "G729"]}
    assert [p for p, _ in validate_state(MediaService, codecs)] == ["offered_codecs[1]"]
    codecs = {**MEDIA_STATE, "offered_codecs": [PREVIEW_UNKNOWN, "opus", "G729"]}
    assert [p for p, _ in validate_state(MediaService, codecs)] == ["offered_codecs[2]"]
    auth = {**MEDIA_STATE, "rest_authentication": [PREVIEW_UNKNOWN, {"secret": 42}]}
    assert [p for p, _ in validate_state(MediaService, auth)] == ["rest_authentication[1].secret"]


def test_validate_state_does_not_mutate_its_input() -> None:
    unknown = PREVIEW_UNKNOWN
    state = {"name": unknown, "alarm_handling": "drop", "target_endpoint": {"dest_addr": unknown}}
    snapshot = {"name": unknown, "alarm_handling": "drop", "target_endpoint": {"dest_addr": unknown}}
    validate_state(AlarmEventMapper, state)
    assert state == snapshot


# -- secret_fields --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "secrets"),
    [
        (Device, {"password", "ha1"}),
        (Trunk, {"password", "ha1"}),
        (MediaService, {"google_apikey", "google_service_key", "rest_authentication"}),
        (AlarmEventMapper, {"target_endpoint"}),
        (TargetEndpoint, {"sip_auth_password", "backup_endpoint"}),
        (BackupEndpoint, {"backup_sip_auth_password"}),
        (AlarmBridge, {"rest_authentication"}),
        (CloudSipUa, {"rest_authentication"}),
        (NotificationSettings, {"rest_authentication"}),
        (RestAuthentication, {"secret"}),
        (HostCommission, set()),
        (Profile, set()),
        (Authorized, set()),
    ],
)
def test_secret_fields_finds_top_level_fields_holding_a_secret_at_any_depth(
    model: type[WireModel], secrets: set[str]
) -> None:
    assert secret_fields(model) == frozenset(secrets)


def test_secret_fields_ignores_computed_and_replace_only_fields() -> None:
    secrets = secret_fields(Device)
    assert "device_id" not in secrets
    assert "last_configured" not in secrets


# -- changed_fields --------------------------------------------------------------------------------


def test_changed_fields_is_empty_for_equal_states() -> None:
    assert changed_fields(Device, DEVICE_STATE, copy.deepcopy(DEVICE_STATE)) == []
    assert changed_fields(MediaService, MEDIA_STATE, copy.deepcopy(MEDIA_STATE)) == []


def test_changed_fields_lists_exactly_the_changed_fields() -> None:
    news = copy.deepcopy(DEVICE_STATE)
    news["description"] = "Back door"
    news["service_data"]["custom_snake_key"]["nestedCamelKey"][0] = 2
    assert changed_fields(Device, DEVICE_STATE, news) == ["description", "service_data"]


def test_changed_fields_sees_a_leaf_change_deep_in_a_nested_model() -> None:
    news = copy.deepcopy(MAPPER_STATE)
    news["target_endpoint"]["backup_endpoint"]["backup_dest_addr"] = "sip:other@example.com"
    assert changed_fields(AlarmEventMapper, MAPPER_STATE, news) == ["target_endpoint"]


def test_changed_fields_sees_added_and_removed_fields() -> None:
    olds = {"device_id": "d", "auth_type": "deviceid", "description": "x"}
    news = {"device_id": "d", "auth_type": "deviceid", "mac_address": "00:11:22:33:44:55"}
    assert changed_fields(Device, olds, news) == ["description", "mac_address"]


def test_changed_fields_treats_none_like_absent() -> None:
    olds = {"device_id": "d", "auth_type": "deviceid"}
    news = {"device_id": "d", "auth_type": "deviceid", "description": None}
    assert changed_fields(Device, olds, news) == []
    assert changed_fields(Device, news, olds) == []


def test_changed_fields_ignores_pulumi_float_representation_of_ints() -> None:
    olds = {"callback_timeout": 2500, "rest_authentication": [{"type": "RS256"}], "rtp_timeout": 30}
    news = {"callback_timeout": 2500.0, "rest_authentication": [{"type": "RS256"}], "rtp_timeout": 30.0}
    assert changed_fields(MediaService, olds, news) == []
    assert changed_fields(Device, {"service_data": {"n": [1, 2]}}, {"service_data": {"n": [1.0, 2.0]}}) == []


def test_changed_fields_tells_json_true_from_1_in_free_form_objects() -> None:
    # Python's 1 == True would hide a change the patch then carries; the diff must see it.
    old, new = {"service_data": {"enabled": 1}}, {"service_data": {"enabled": True}}
    assert changed_fields(Device, old, new) == ["service_data"]
    assert changed_fields(Device, {"service_data": {"on": False}}, {"service_data": {"on": 0}}) == ["service_data"]
    assert changed_fields(Device, {"service_data": {"n": 1.0}}, {"service_data": {"n": 1}}) == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (True, True, True),
        (True, 1, False),
        (0, False, False),
        ({"a": [1, {"b": True}]}, {"a": [1, {"b": True}]}, True),
        ({"a": [1, {"b": True}]}, {"a": [1, {"b": 1}]}, False),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1}, {"a": 1, "b": None}, False),
        ("x", "x", True),
    ],
)
def test_same_json_is_json_equality(a: Any, b: Any, same: bool) -> None:
    assert same_json(a, b) is same


def test_changed_fields_never_reports_server_computed_fields() -> None:
    olds = {"device_id": "d", "auth_type": "deviceid", "last_configured": 1, "heartbeat_status": "alive"}
    news = {"device_id": "d", "auth_type": "deviceid", "last_configured": 2}
    assert changed_fields(Device, olds, news) == []
    assert changed_fields(MediaService, {"callback_id": "a"}, {"callback_id": "b"}) == []


@pytest.mark.parametrize(
    ("model", "name", "default"),
    [
        (Trunk, "type", "trunk"),
        (AlarmEventMapper, "device_id_pad_length", 0),
        (AlarmEventMapper, "controller_id_pad_length", 0),
        (AlarmEventMapper, "map_device_id_to_controller_id", False),
        (AlarmBridge, "default_heartbeat_interval", 300000),
        (AlarmBridge, "use_vpn_connection", False),
        (AlarmBridge, "callback_timeout", 15000),
        (AlarmBridge, "control_commands_enabled", True),
        (AlarmBridge, "arc_disconnect_clears_call", True),
    ],
)
def test_changed_fields_treats_absent_as_the_server_default(model: type[WireModel], name: str, default: Any) -> None:
    assert changed_fields(model, {name: default}, {}) == []  # the server filled it in; the user never set it
    assert changed_fields(model, {}, {name: default}) == []  # the user now spells out the default
    assert changed_fields(model, {name: None}, {name: default}) == []
    other = "not-the-default"
    assert changed_fields(model, {name: other}, {}) == [name]
    assert changed_fields(model, {}, {name: other}) == [name]


def test_server_defaults_and_computed_values_read_back_cause_no_diff() -> None:
    desired = {"name": "bridge", "protocol": "scaip", "protocol_mode": "dtmf", "destination_match": "^b$"}
    server = {
        "name": "bridge",
        "protocol": "scaip",
        "protocolMode": "dtmf",
        "destinationMatch": "^b$",
        "defaultHeartbeatInterval": 300000,
        "useVPNConnection": False,
        "callbackTimeout": 15000.0,
        "controlCommandsEnabled": True,
        "arcDisconnectClearsCall": True,
        "callbackId": "cb-123",
        "createdAt": 1700000000000,
    }
    assert changed_fields(AlarmBridge, from_wire(AlarmBridge, server), desired) == []


@pytest.mark.parametrize("unknown", [PREVIEW_UNKNOWN, rpc.UNKNOWN])
def test_changed_fields_reports_an_unknown_new_value_as_a_change(unknown: Any) -> None:
    olds = {"device_id": "d", "auth_type": "deviceid", "description": "x"}
    assert changed_fields(Device, olds, {**olds, "description": unknown}) == ["description"]
    assert changed_fields(Device, olds, {**olds, "mac_address": unknown}) == ["mac_address"]


def test_changed_fields_reports_fields_containing_an_unknown_as_changed() -> None:
    news = copy.deepcopy(MAPPER_STATE)
    news["target_endpoint"]["backup_endpoint"]["backup_dest_addr"] = PREVIEW_UNKNOWN
    news["mapping_rules"]["snake_rule"][0]["matchKey"] = PREVIEW_UNKNOWN
    assert changed_fields(AlarmEventMapper, MAPPER_STATE, news) == ["target_endpoint", "mapping_rules"]
    media = copy.deepcopy(MEDIA_STATE)
    media["rest_authentication"].append(PREVIEW_UNKNOWN)
    assert changed_fields(MediaService, MEDIA_STATE, media) == ["rest_authentication"]


# -- minimal_patch ---------------------------------------------------------------------------------


def test_minimal_patch_is_empty_for_equal_objects() -> None:
    managed = set(DEVICE_STATE)
    assert minimal_patch(Device, DEVICE_WIRE, copy.deepcopy(DEVICE_WIRE), managed, send_write_only=True) == []
    assert minimal_patch(MediaService, MEDIA_WIRE, copy.deepcopy(MEDIA_WIRE), set(MEDIA_STATE), False) == []


def test_minimal_patch_ignores_float_int_differences() -> None:
    server = {"callbackTimeout": 2500.0, "restAuthentication": [{"type": "RS256"}]}
    desired = {"callbackTimeout": 2500, "restAuthentication": [{"type": "RS256"}]}
    assert minimal_patch(MediaService, server, desired, {"callback_timeout", "rest_authentication"}, False) == []


def test_minimal_patch_replaces_exactly_the_changed_leaf() -> None:
    desired = copy.deepcopy(MAPPER_WIRE)
    desired["targetEndpoint"]["backupEndpoint"]["backupDestAddr"] = "sip:new@example.com"
    ops = minimal_patch(AlarmEventMapper, MAPPER_WIRE, desired, set(MAPPER_STATE), False)
    assert ops == [
        {"op": "replace", "path": "/targetEndpoint/backupEndpoint/backupDestAddr", "value": "sip:new@example.com"}
    ]


def test_minimal_patch_adds_a_new_field_and_removes_a_dropped_one() -> None:
    server = {"deviceId": "d", "authType": "deviceid", "description": "old"}
    desired = {"deviceId": "d", "authType": "deviceid", "macAddress": "00:11:22:33:44:55"}
    ops = minimal_patch(Device, server, desired, {"device_id", "auth_type", "description", "mac_address"}, False)
    assert sorted(ops, key=lambda op: str(op["path"])) == [
        {"op": "remove", "path": "/description"},
        {"op": "add", "path": "/macAddress", "value": "00:11:22:33:44:55"},
    ]


def test_minimal_patch_patches_inside_free_form_objects() -> None:
    server = {"serviceData": {"keep": 1, "change": "a", "drop": True, "nested": {"inner_key": [1, 2, 3]}}}
    desired = {"serviceData": {"keep": 1, "change": "b", "new_key": None, "nested": {"inner_key": [1, 3]}}}
    ops = minimal_patch(Device, server, desired, {"service_data"}, False)
    assert sorted(ops, key=lambda op: str(op["path"])) == [
        {"op": "replace", "path": "/serviceData/change", "value": "b"},
        {"op": "remove", "path": "/serviceData/drop"},
        {"op": "remove", "path": "/serviceData/nested/inner_key/1"},
        {"op": "add", "path": "/serviceData/new_key", "value": None},
    ]
    assert _patched(server, ops) == desired


def test_minimal_patch_escapes_slash_and_tilde_in_keys_per_rfc_6901() -> None:
    server = {"serviceData": {"a/b": 1, "x": 0}}
    desired = {"serviceData": {"a/b": 2, "x": 0, "m~n": 3, "~/": 4}}
    ops = minimal_patch(Device, server, desired, {"service_data"}, False)
    assert sorted(ops, key=lambda op: str(op["path"])) == [
        {"op": "replace", "path": "/serviceData/a~1b", "value": 2},
        {"op": "add", "path": "/serviceData/m~0n", "value": 3},
        {"op": "add", "path": "/serviceData/~0~1", "value": 4},
    ]
    assert _patched(server, ops) == desired


def test_minimal_patch_patches_items_of_a_nested_model_list() -> None:
    desired = copy.deepcopy(MEDIA_WIRE)
    desired["restAuthentication"][0]["secret"] = "Ivr-Secret-2"
    desired["restAuthentication"][1]["requestHeaders"]["X-Api-Key"] = "k2"
    ops = minimal_patch(MediaService, MEDIA_WIRE, desired, set(MEDIA_STATE), False)
    assert sorted(ops, key=lambda op: str(op["path"])) == [
        {"op": "replace", "path": "/restAuthentication/0/secret", "value": "Ivr-Secret-2"},
        {"op": "replace", "path": "/restAuthentication/1/requestHeaders/X-Api-Key", "value": "k2"},
    ]


def test_minimal_patch_leaves_unmanaged_computed_and_unknown_server_fields_alone() -> None:
    server = {
        **MEDIA_WIRE,
        "description": "set by someone else",
        "callbackId": "cb-1",
        "createdAt": 1700000000000,
    }
    desired = {**MEDIA_WIRE, "callbackId": "cb-other", "name": "ivr-2"}
    ops = minimal_patch(MediaService, server, desired, set(MEDIA_STATE) | {"callback_id"}, False)
    assert ops == [{"op": "replace", "path": "/name", "value": "ivr-2"}]
    assert _patched(server, ops) == {**server, "name": "ivr-2"}


def test_minimal_patch_touches_only_managed_fields_even_when_desired_has_more() -> None:
    server = {"description": "a", "macAddress": "m1"}
    desired = {"description": "b", "macAddress": "m2"}
    assert minimal_patch(Device, server, desired, {"description"}, False) == [
        {"op": "replace", "path": "/description", "value": "b"}
    ]
    assert minimal_patch(Device, server, desired, set(), False) == []


def test_minimal_patch_ignores_server_defaults_of_fields_the_user_does_not_manage() -> None:
    server = {
        "name": "bridge",
        "protocol": "scaip",
        "protocolMode": "dtmf",
        "destinationMatch": "^b$",
        "callbackTimeout": 15000,
        "useVPNConnection": False,
    }
    desired = {"name": "bridge", "protocol": "scaip", "protocolMode": "dtmf", "destinationMatch": "^b$"}
    managed = {"name", "protocol", "protocol_mode", "destination_match"}
    assert minimal_patch(AlarmBridge, server, desired, managed, False) == []


def test_minimal_patch_sends_write_only_fields_only_when_asked() -> None:
    managed = {"destination_target", "user_name", "realm", "password"}
    server = {"destinationTarget": "t", "userName": "pbx", "realm": "r"}
    desired = {"destinationTarget": "t", "userName": "pbx", "realm": "r", "password": "new-secret"}
    assert minimal_patch(Trunk, server, desired, managed, send_write_only=False) == []
    assert minimal_patch(Trunk, server, desired, managed, send_write_only=True) == [
        {"op": "add", "path": "/password", "value": "new-secret"}
    ]


def test_minimal_patch_never_compares_a_write_only_field_with_what_the_server_returns() -> None:
    managed = {"destination_target", "password"}
    server = {"destinationTarget": "t", "password": "stale-echo"}
    desired = {"destinationTarget": "t", "password": "stale-echo"}
    assert minimal_patch(Trunk, server, desired, managed, send_write_only=False) == []
    assert minimal_patch(Trunk, server, desired, managed, send_write_only=True) == [
        {"op": "add", "path": "/password", "value": "stale-echo"}
    ]


@pytest.mark.parametrize(
    ("model", "server", "desired"),
    [
        pytest.param(
            Device,
            DEVICE_WIRE,
            {
                **DEVICE_WIRE,
                "description": "Changed",
                "authorized": {"domain": "acme.example", "register": False},
                "serviceData": {"alarmBridge": {"heartbeatInterval": 600000}, "a/b~c": "x", "new/key": [1]},
            },
            id="device",
        ),
        pytest.param(
            Trunk,
            {k: v for k, v in TRUNK_WIRE.items() if k != "password"},
            {**TRUNK_WIRE, "sourceNetworks": ["192.0.2.1", "10.0.0.0/8", "172.16.0.0/12"], "localCodec": "PCMU"},
            id="trunk",
        ),
        pytest.param(
            MediaService,
            MEDIA_WIRE,
            {
                **MEDIA_WIRE,
                "restAuthentication": [{"type": "header", "requestHeaders": {"X~Y": "1"}}],
                "offeredCodecs": ["PCMU"],
                "googleServiceKey": {"private_key_id": "def"},
            },
            id="media-service",
        ),
        pytest.param(
            AlarmEventMapper,
            MAPPER_WIRE,
            {
                **{k: v for k, v in MAPPER_WIRE.items() if k != "mappingRules"},
                "targetEndpoint": {"protocol": "sip", "backupEndpoint": {"backupDestAddr": "sip:b@example.com"}},
                "deviceIdPadLength": 6,
            },
            id="alarm-event-mapper",
        ),
        pytest.param(
            AlarmBridge,
            BRIDGE_WIRE,
            {**BRIDGE_WIRE, "customEventMap": {"E1": {"mappedCode": "smoke"}, "E2": {}}, "tonePowers": []},
            id="alarm-bridge",
        ),
    ],
)
def test_applying_the_minimal_patch_to_the_server_object_gives_the_desired_object(
    model: type[WireModel], server: dict[str, Any], desired: dict[str, Any]
) -> None:
    managed = {f.name for f in fields_of(model).values() if not f.behaviour.computed}
    server_with_extras = {**server, "createdAt": 1700000000000, "ownerId": "o-1"}
    original = copy.deepcopy(server_with_extras)
    ops = minimal_patch(model, server_with_extras, desired, managed, send_write_only=True)
    assert ops
    assert server_with_extras == original  # the inputs are not modified
    assert _patched(server_with_extras, ops) == {**desired, "createdAt": 1700000000000, "ownerId": "o-1"}
    for op in ops:
        assert op["op"] in {"add", "remove", "replace", "move", "copy"}
        assert op["path"].split("/")[1] in desired or op["op"] == "remove"


def test_minimal_patch_result_is_a_list_of_plain_dicts() -> None:
    ops = minimal_patch(Device, {"description": "a"}, {"description": "b"}, {"description"}, False)
    assert isinstance(ops, list)
    assert all(type(op) is dict for op in ops)
