"""``pulumi_iotcomms.api.device``: the Device model's documented constraints, its wire names, DeviceApi
against the emulator, the typed listing ``read_devices``, and the bulk CSV (rendering, formula-injection guard,
upload and status)."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import COMPUTED, REPLACE, SECRET, Behaviour, behaviour
from pulumi_iotcomms.api.device import (
    AlarmBridgeServiceData,
    Authorized,
    AuthorizedReport,
    Device,
    DeviceApi,
    DeviceReport,
    OverrideInAlarmEvent,
    bulk_csv,
)
from pulumi_iotcomms.errors import ApiError, BadRequestError, ConflictError, InputError, NotFoundError
from tests._http_server import Reply
from tests.api._util import ALARM_PROTOCOLS, model_problems, scripted_transport
from tests.emulator.samples import md5
from tests.emulator_client import DOMAIN, EmulatorClient

DEVICES = f"/provisioning/device/{DOMAIN}"
BASE: dict[str, Any] = {"device_id": "unit-1", "auth_type": "deviceid"}
USERID: dict[str, Any] = {"auth_type": "userid", "password": "pw", "authorized": {"register": True}}
FORMULA_ALLOWED = (
    "cells not starting with =, @, tab or carriage return; a leading + or - only in a deviceId or a number"
)


@pytest.fixture
def api(transport: Transport) -> DeviceApi:
    return DeviceApi(transport)


def problems(**fields: Any) -> list[tuple[str, str]]:
    """``(field path, problem)`` for a Device built from ``BASE`` updated with ``fields`` (None: drop it)."""
    return model_problems(Device, {k: v for k, v in {**BASE, **fields}.items() if v is not None})


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def wait_for_job(api: DeviceApi, bulk_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll the bulk job every 10 ms until it is no longer STARTED; returns its final status."""
    deadline = time.monotonic() + timeout
    while True:
        status = api.bulk_status(DOMAIN, bulk_id)
        if status["status"] != "STARTED":
            return status
        assert time.monotonic() < deadline, f"bulk job {bulk_id} still STARTED: {status}"
        time.sleep(0.01)


# -- model: constraints ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"device_id": "aZ09-._:~+"}, id="every-allowed-id-character"),
        pytest.param({"device_id": "+46701234567"}, id="e164-id"),
        pytest.param({"device_id": "site:controller:device"}, id="alarmbridge-id"),
        pytest.param({"device_id": "a" * 256}, id="id-256-chars"),
        pytest.param({"auth_type": "credentials"}, id="credentials"),
        pytest.param({"auth_type": "credentials", "ha1": "0123456789abcdef" * 2}, id="credentials-ha1-lower"),
        pytest.param({"auth_type": "credentials", "ha1": "0123456789ABCDEF" * 2}, id="credentials-ha1-upper"),
        pytest.param(USERID, id="userid"),
        pytest.param({**USERID, "authorized": {}}, id="userid-empty-authorized"),
        pytest.param({**USERID, "authorized": {"invite": "/^sip:46.*$/i"}}, id="invite-js-literal"),
        pytest.param({**USERID, "authorized": {"invite": "^(?<user>\\d+)@"}}, id="invite-js-named-group"),
        pytest.param({"device_type": "sipDevice"}, id="sipDevice"),
        pytest.param({"device_type": "alarmbridgeConnect"}, id="alarmbridgeConnect"),
        pytest.param({"device_type": "groupScheme"}, id="groupScheme"),
        pytest.param({"device_type": "alarmUnit"}, id="alarmUnit"),
        pytest.param({"description": "x" * 200}, id="description-200-chars"),
        pytest.param({"password": "ignored"}, id="password-on-deviceid"),
        pytest.param({"service_data": {"alarmBridge": {"heartbeatInterval": 300000}}}, id="heartbeat-minimum"),
        pytest.param({"service_data": {"alarmBridge": {"heartbeatInterval": 300000.5}}}, id="heartbeat-float"),
        pytest.param({"service_data": {"alarmBridge": {}}}, id="empty-alarmbridge"),
        pytest.param({"service_data": {"other": {"anything": [1, "x", None]}}}, id="free-form-service"),
    ],
)
def test_documented_values_are_accepted(fields: dict[str, Any]) -> None:
    assert problems(**fields) == []


@pytest.mark.parametrize("protocol", ALARM_PROTOCOLS)
def test_every_documented_alarm_protocol_is_accepted(protocol: str) -> None:
    assert problems(service_data={"alarmBridge": {"alarmProtocol": protocol}}) == []


def test_service_data_keys_beyond_the_documented_samples_pass_through_unchecked() -> None:
    """DECISIONS["device.service_data"]: only the sample keys of alarmBridge are checked."""
    data = {
        "alarmBridge": {"heartbeatInterval": 300000, "sipUri": "sip:unit@example.com", "future": {"x": [1, None]}},
        "otherService": {"anything": ["goes", 1.5, True, None]},
    }
    assert problems(service_data=data) == []
    assert Device(device_id="unit-1", auth_type="deviceid", service_data=data).to_wire()["serviceData"] == data
    unchecked_and_checked = {**data, "alarmBridge": {"sipUri": 7, "alarmProtocol": 7}}
    assert [path for path, _ in problems(service_data=unchecked_and_checked)] == [
        "service_data.alarmBridge.alarmProtocol"
    ]


def test_alarm_bridge_service_data_takes_the_whole_documented_shape() -> None:
    alarm_bridge = {
        "heartbeatInterval": 300000,
        "alarmProtocol": "tt92",
        "emergencyDestination": "sip:112@example.com",
        "overrideInAlarmEvent": {
            "deviceType": "t",
            "controllerId": "c",
            "deviceComponent": "dc",
            "systemConfig": "s",
            "location": "l",
            "audio": "a",
            "priority": 0,
            "deviceId": "d",
            "statusCode": "sc",
        },
        "usePredefinedDestination": True,
    }
    device = Device(device_id="unit-1", auth_type="deviceid", service_data={"alarmBridge": alarm_bridge})
    assert device.to_wire()["serviceData"] == {"alarmBridge": alarm_bridge}
    parsed = AlarmBridgeServiceData.model_validate(alarm_bridge)
    assert parsed.override_in_alarm_event == OverrideInAlarmEvent(
        device_type="t",
        controller_id="c",
        device_component="dc",
        system_config="s",
        location="l",
        audio="a",
        priority=0,
        device_id="d",
        status_code="sc",
    )


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        # A missing field is named by its wire name.
        pytest.param({"device_id": None}, "deviceId", id="device_id-required"),
        pytest.param({"auth_type": None}, "authType", id="auth_type-required"),
        pytest.param({"device_id": ""}, "device_id", id="device_id-empty"),
        pytest.param({"device_id": "unit 1"}, "device_id", id="device_id-space"),
        pytest.param({"device_id": "unit/1"}, "device_id", id="device_id-slash"),
        pytest.param({"device_id": "enhet-å"}, "device_id", id="device_id-non-ascii"),
        pytest.param({"device_id": "a" * 257}, "device_id", id="device_id-257-chars"),
        pytest.param({"device_id": 1234}, "device_id", id="device_id-not-a-string"),
        pytest.param({"auth_type": "jwt"}, "auth_type", id="auth_type-enum"),
        pytest.param({"device_type": "phone"}, "device_type", id="device_type-enum"),
        pytest.param({"description": "x" * 201}, "description", id="description-201-chars"),
        pytest.param({"description": 5}, "description", id="description-not-a-string"),
        pytest.param({"auth_type": "credentials", "ha1": "g" * 32}, "ha1", id="ha1-not-hex"),
        pytest.param({"auth_type": "credentials", "ha1": "a" * 31}, "ha1", id="ha1-31-chars"),
        pytest.param({"ha1": "a" * 32}, "ha1", id="ha1-with-deviceid"),
        pytest.param({**USERID, "ha1": "a" * 32}, "ha1", id="ha1-with-userid"),
        pytest.param({**USERID, "password": None}, "password", id="userid-needs-password"),
        pytest.param({**USERID, "password": ""}, "password", id="userid-needs-non-empty-password"),
        pytest.param({**USERID, "authorized": None}, "authorized", id="userid-needs-authorized"),
        pytest.param({**USERID, "authorized": {"invite": "("}}, "authorized.invite", id="invite-bad-regex"),
        pytest.param({**USERID, "authorized": {"invite": ""}}, "authorized.invite", id="invite-empty"),
        pytest.param({**USERID, "authorized": {"register": "true"}}, "authorized.register", id="register-string"),
        pytest.param(
            {"service_data": {"alarmBridge": {"heartbeatInterval": 299999}}},
            "service_data.alarmBridge.heartbeatInterval",
            id="heartbeat-below-minimum",
        ),
        pytest.param(
            {"service_data": {"alarmBridge": {"heartbeatInterval": True}}},
            "service_data.alarmBridge.heartbeatInterval",
            id="heartbeat-boolean",
        ),
        pytest.param(
            {"service_data": {"alarmBridge": {"alarmProtocol": "smtp"}}},
            "service_data.alarmBridge.alarmProtocol",
            id="alarm-protocol-enum",
        ),
        pytest.param(
            {"service_data": {"alarmBridge": {"overrideInAlarmEvent": {"priority": "high"}}}},
            "service_data.alarmBridge.overrideInAlarmEvent.priority",
            id="override-priority-integer",
        ),
        pytest.param(
            {"service_data": {"alarmBridge": {"usePredefinedDestination": "yes"}}},
            "service_data.alarmBridge.usePredefinedDestination",
            id="use-predefined-destination-boolean",
        ),
        pytest.param(
            {"service_data": {"alarmBridge": "on"}}, "service_data.alarmBridge", id="alarmbridge-not-an-object"
        ),
    ],
)
def test_documented_constraints_are_enforced_naming_the_field(fields: dict[str, Any], path: str) -> None:
    found = problems(**fields)
    assert [p for p, _ in found] == [path], found


def test_userid_rules_say_what_is_required() -> None:
    assert problems(auth_type="userid", authorized={}) == [("password", "required when authType is userid")]
    assert problems(auth_type="userid", password="pw") == [("authorized", "required when authType is userid")]
    assert problems(auth_type="userid", ha1="a" * 32) == [("password", "required when authType is userid")]
    assert problems(ha1="a" * 32) == [("ha1", "only used when authType is credentials")]


def test_alarm_bridge_problem_names_the_minimum() -> None:
    ((path, message),) = problems(service_data={"alarmBridge": {"heartbeatInterval": 1000}})
    assert path == "service_data.alarmBridge.heartbeatInterval"
    assert "300000" in message


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("device_id", REPLACE),
        ("auth_type", REPLACE),
        ("password", SECRET),
        ("ha1", SECRET),
        ("last_configured", COMPUTED),
        ("heartbeat_status", COMPUTED),
        ("heartbeat_expiration", COMPUTED),
        ("description", Behaviour()),
        ("service_data", Behaviour()),
    ],
)
def test_field_behaviour(field: str, expected: Behaviour) -> None:
    assert behaviour(Device, field) == expected


# -- model: wire names -----------------------------------------------------------------------------


def test_snake_case_names_and_camel_case_aliases_build_the_same_device() -> None:
    by_name = Device(
        device_id="unit-1",
        auth_type="userid",
        device_type="sipDevice",
        device_cli="+46701234567",
        mac_address="00:11:22:33:44:55",
        password="pw",
        authorized=Authorized(domain=DOMAIN, invite=".*", register=True),
        service_data={"alarmBridge": {"alarmProtocol": "scaip"}},
    )
    wire = {
        "deviceId": "unit-1",
        "authType": "userid",
        "deviceType": "sipDevice",
        "deviceCLI": "+46701234567",
        "macAddress": "00:11:22:33:44:55",
        "password": "pw",
        "authorized": {"domain": DOMAIN, "invite": ".*", "register": True},
        "serviceData": {"alarmBridge": {"alarmProtocol": "scaip"}},
    }
    assert Device.model_validate(wire) == by_name
    assert by_name.to_wire() == wire


def test_to_wire_leaves_out_unset_fields_and_keeps_unknown_ones() -> None:
    device = Device.model_validate({"deviceId": "unit-1", "authType": "deviceid", "futureField": {"x": 1}})
    assert device.to_wire() == {"deviceId": "unit-1", "authType": "deviceid", "futureField": {"x": 1}}


def test_device_cli_alias_is_all_capitals() -> None:
    assert Device.model_fields["device_cli"].alias == "deviceCLI"
    # The generic camelCase spelling is not the field: it is kept as an unknown property.
    device = Device.model_validate({"deviceId": "unit-1", "authType": "deviceid", "deviceCli": "123"})
    assert device.device_cli is None
    assert device.to_wire() == {"deviceId": "unit-1", "authType": "deviceid", "deviceCli": "123"}


def test_service_data_stays_in_wire_form() -> None:
    device = Device(device_id="unit-1", auth_type="deviceid", service_data={"alarmBridge": {"heartbeatInterval": 3e5}})
    assert device.service_data == {"alarmBridge": {"heartbeatInterval": 3e5}}
    assert device.to_wire()["serviceData"] == {"alarmBridge": {"heartbeatInterval": 3e5}}


def test_the_server_takes_camel_case_only(api: DeviceApi) -> None:
    with pytest.raises(BadRequestError) as info:
        api.create(DOMAIN, "unit-1", {"auth_type": "deviceid"})
    assert info.value.reason is not None
    assert info.value.reason.startswith("authType:")
    assert api.get(DOMAIN, "unit-1") is None


# -- DeviceApi -------------------------------------------------------------------------------------


def test_create_puts_the_device_under_the_given_id(api: DeviceApi, emulator: EmulatorClient) -> None:
    answer = api.create(DOMAIN, "unit-1", {"deviceId": "elsewhere", "authType": "deviceid", "description": "d"})
    assert answer == {"success": True, "id": "unit-1"}
    (request,) = [r for r in emulator.requests() if r["method"] == "PUT"]
    assert request["path"] == DEVICES
    assert request["body"] == {"deviceId": "unit-1", "authType": "deviceid", "description": "d"}
    assert api.get(DOMAIN, "elsewhere") is None


def test_get_returns_the_stored_device_without_the_envelope(api: DeviceApi) -> None:
    device = Device(device_id="unit-1", auth_type="deviceid", device_cli="+4612345", description="hall")
    api.create(DOMAIN, device.device_id, device.to_wire())
    got = api.get(DOMAIN, "unit-1")
    assert got is not None
    assert "success" not in got
    assert "reason" not in got
    assert {k: got[k] for k in device.to_wire()} == device.to_wire()
    assert got["heartbeatStatus"] == "offline"
    assert Device.model_validate(got, by_alias=True, by_name=False).device_cli == "+4612345"


def test_get_of_an_unknown_device_is_none(api: DeviceApi) -> None:
    assert api.get(DOMAIN, "nope") is None


def test_credentials_device_gets_a_password_once_kept_as_ha1(api: DeviceApi) -> None:
    answer = api.create(DOMAIN, "sip-1", Device(device_id="sip-1", auth_type="credentials").to_wire())
    password = answer["password"]
    assert isinstance(password, str)
    assert password
    got = api.get(DOMAIN, "sip-1")
    assert got is not None
    assert "password" not in got
    assert got["ha1"] == md5(f"sip-1:{DOMAIN}:{password}")
    again = api.overwrite(DOMAIN, "sip-1", {"authType": "credentials", "description": "desk"})
    assert "password" not in again
    assert (api.get(DOMAIN, "sip-1") or {})["ha1"] == got["ha1"]


def test_credentials_device_with_an_ha1_gets_no_password(api: DeviceApi) -> None:
    ha1 = md5(f"sip-1:{DOMAIN}:chosen")
    answer = api.create(DOMAIN, "sip-1", Device(device_id="sip-1", auth_type="credentials", ha1=ha1).to_wire())
    assert answer == {"success": True, "id": "sip-1"}
    assert (api.get(DOMAIN, "sip-1") or {})["ha1"] == ha1


def test_overwrite_replaces_the_whole_device(api: DeviceApi) -> None:
    api.create(DOMAIN, "unit-1", {"authType": "deviceid", "description": "old", "deviceCLI": "+461"})
    assert api.overwrite(DOMAIN, "unit-1", {"authType": "deviceid", "macAddress": "aa:bb"}) == {
        "success": True,
        "id": "unit-1",
    }
    got = api.get(DOMAIN, "unit-1")
    assert got is not None
    assert got["macAddress"] == "aa:bb"
    assert "description" not in got
    assert "deviceCLI" not in got


def test_patch_applies_rfc6902_operations(api: DeviceApi) -> None:
    api.create(DOMAIN, "unit-1", {"authType": "deviceid", "description": "old", "macAddress": "aa:bb"})
    ops: list[dict[str, Any]] = [
        {"op": "replace", "path": "/description", "value": "new"},
        {"op": "remove", "path": "/macAddress"},
        {"op": "add", "path": "/serviceData", "value": {"alarmBridge": {"alarmProtocol": "tt92"}}},
    ]
    assert api.patch(DOMAIN, "unit-1", ops) == {"success": True}
    got = api.get(DOMAIN, "unit-1")
    assert got is not None
    assert got["description"] == "new"
    assert "macAddress" not in got
    assert got["serviceData"] == {"alarmBridge": {"alarmProtocol": "tt92"}}


def test_patch_with_a_failing_test_op_is_a_conflict_and_changes_nothing(api: DeviceApi) -> None:
    api.create(DOMAIN, "unit-1", {"authType": "deviceid", "description": "old"})
    ops: list[dict[str, Any]] = [
        {"op": "test", "path": "/description", "value": "other"},
        {"op": "replace", "path": "/description", "value": "new"},
    ]
    with pytest.raises(ConflictError):
        api.patch(DOMAIN, "unit-1", ops)
    assert (api.get(DOMAIN, "unit-1") or {})["description"] == "old"


def test_patch_cannot_change_the_device_id(api: DeviceApi) -> None:
    api.create(DOMAIN, "unit-1", {"authType": "deviceid"})
    with pytest.raises(BadRequestError) as info:
        api.patch(DOMAIN, "unit-1", [{"op": "replace", "path": "/deviceId", "value": "unit-2"}])
    assert (info.value.reason or "").startswith("deviceId:")
    assert api.get(DOMAIN, "unit-2") is None


def test_patch_that_breaks_a_constraint_is_rejected_naming_the_field(api: DeviceApi) -> None:
    api.create(DOMAIN, "unit-1", {"authType": "deviceid"})
    with pytest.raises(BadRequestError) as info:
        api.patch(DOMAIN, "unit-1", [{"op": "add", "path": "/description", "value": "x" * 201}])
    assert (info.value.reason or "").startswith("description:")
    assert "description" not in (api.get(DOMAIN, "unit-1") or {})


def test_patch_of_an_unknown_device_is_not_found(api: DeviceApi) -> None:
    with pytest.raises(NotFoundError):
        api.patch(DOMAIN, "nope", [{"op": "add", "path": "/description", "value": "x"}])


def test_delete_reports_whether_the_device_existed(api: DeviceApi) -> None:
    api.create(DOMAIN, "unit-1", {"authType": "deviceid"})
    assert api.delete(DOMAIN, "unit-1") is True
    assert api.get(DOMAIN, "unit-1") is None
    assert api.delete(DOMAIN, "unit-1") is False


def test_list_of_an_empty_domain_is_empty(api: DeviceApi) -> None:
    assert list(api.list(DOMAIN)) == []


def test_list_returns_every_device(api: DeviceApi) -> None:
    for device_id in ("b-unit", "a-unit", "c-unit"):
        api.create(DOMAIN, device_id, {"authType": "deviceid", "description": device_id})
    listed = list(api.list(DOMAIN))
    assert sorted(d["deviceId"] for d in listed) == ["a-unit", "b-unit", "c-unit"]
    assert all(d["description"] == d["deviceId"] for d in listed)


def test_devices_have_no_provisory_space(api: DeviceApi, emulator: EmulatorClient) -> None:
    api.create(DOMAIN, "unit-1", {"authType": "deviceid"}, provisory=True)
    assert api.get(DOMAIN, "unit-1", provisory=True) is not None
    assert all("provisory" not in r["query"] for r in emulator.requests())


# -- bulk_csv --------------------------------------------------------------------------------------


def test_bulk_csv_header_names_device_properties() -> None:
    text = bulk_csv([Device(device_id="1234", auth_type="deviceid"), Device(device_id="5678", auth_type="deviceid")])
    assert text == "deviceId,authType\n1234,deviceid\n5678,deviceid\n"


def test_bulk_csv_columns_are_the_union_in_first_seen_order_with_empty_cells_for_absent_properties() -> None:
    devices = [
        Device(device_id="a", auth_type="deviceid", description="first"),
        Device(device_id="b", auth_type="deviceid", mac_address="aa:bb", device_cli="+461"),
    ]
    lines = bulk_csv(devices).splitlines()
    # Within a device, properties come in the schema's order (deviceCLI before macAddress).
    assert lines == [
        "deviceId,authType,description,deviceCLI,macAddress",
        "a,deviceid,first,,",
        "b,deviceid,,+461,aa:bb",
    ]


def test_bulk_csv_nested_objects_become_dotted_columns() -> None:
    device = Device(
        device_id="1234",
        auth_type="userid",
        password="supersecret",
        authorized=Authorized(domain="customer47.example", invite=".*", register=False),
    )
    (row,) = parse_csv(bulk_csv([device]))
    assert row == {
        "deviceId": "1234",
        "authType": "userid",
        "password": "supersecret",
        "authorized.domain": "customer47.example",
        "authorized.invite": ".*",
        "authorized.register": "false",
    }


def test_bulk_csv_service_data_cells_are_json_values() -> None:
    service_data: dict[str, Any] = {
        "foo": "example text",
        "count": -5,
        "tags": ["a", 1, None],
        "alarmBridge": {"heartbeatInterval": 300000, "alarmProtocol": "tt92"},
    }
    (row,) = parse_csv(bulk_csv([Device(device_id="1234", auth_type="deviceid", service_data=service_data)]))
    assert row["serviceData.foo"] == '"example text"'
    assert {k: json.loads(v) for k, v in row.items() if k.startswith("serviceData.")} == {
        f"serviceData.{k}": v for k, v in service_data.items()
    }


def test_bulk_csv_leaves_out_computed_and_none_properties() -> None:
    device = Device.model_validate(
        {
            "deviceId": "1234",
            "authType": "deviceid",
            "heartbeatStatus": "online",
            "heartbeatExpiration": 5,
            "lastConfigured": 7,
            "description": None,
        }
    )
    assert bulk_csv([device]) == "deviceId,authType\n1234,deviceid\n"


def test_bulk_csv_quotes_cells_with_separators_quotes_and_newlines() -> None:
    description = 'say "hi", then\nleave'
    (row,) = parse_csv(bulk_csv([Device(device_id="1234", auth_type="deviceid", description=description)]))
    assert row["description"] == description


@pytest.mark.parametrize("key", ["a.b", ""])
def test_bulk_csv_refuses_service_data_keys_that_cannot_be_columns(key: str) -> None:
    device = Device(device_id="1234", auth_type="deviceid", service_data={key: 1})
    with pytest.raises(InputError) as info:
        bulk_csv([device])
    assert info.value.path == "service_data"
    assert "without '.'" in (info.value.allowed or "")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        pytest.param('=HYPERLINK("https://evil.example")', '=HYPERLINK("https://evil.example")', id="formula"),
        pytest.param("a.b", "a.b", id="dot"),
        pytest.param("+x", "+x", id="plus"),
    ],
)
def test_bulk_csv_refuses_header_cells_from_unknown_properties(name: str, path: str) -> None:
    """Unknown properties the model keeps become header cells: they get the same guard as values."""
    device = Device.model_validate({"deviceId": "unit-1", "authType": "deviceid", name: "x"})
    with pytest.raises(InputError) as info:
        bulk_csv([device])
    assert info.value.path == path
    assert "cannot be a CSV column" in str(info.value)


def test_bulk_csv_refuses_an_empty_nested_object_rather_than_dropping_it() -> None:
    """A CSV has only dotted columns for nested objects; an empty one would silently vanish."""
    device = Device(device_id="app-1", auth_type="userid", password="pw", authorized=Authorized())
    with pytest.raises(InputError) as info:
        bulk_csv([device])
    assert info.value.path == "authorized"


@pytest.mark.parametrize(
    ("fields", "column"),
    [
        pytest.param({"description": "=1+1"}, "description", id="equals"),
        pytest.param({"description": '=HYPERLINK("https://evil.example")'}, "description", id="hyperlink"),
        pytest.param({"description": "@SUM(A1:A2)"}, "description", id="at"),
        pytest.param({"mac_address": "\tx"}, "macAddress", id="tab"),
        pytest.param({"device_cli": "\r=1"}, "deviceCLI", id="carriage-return"),
        pytest.param({"description": "+cmd|' /C calc'!A0"}, "description", id="plus-not-a-number"),
        pytest.param({"description": "-1+1"}, "description", id="minus-expression"),
        pytest.param({"description": "-"}, "description", id="lone-minus"),
        pytest.param({"device_cli": "+46:unit-1"}, "deviceCLI", id="device-id-like-outside-device-id-column"),
        pytest.param({**USERID, "password": "=cmd"}, "password", id="password"),
        pytest.param({**USERID, "authorized": {"invite": "@x"}}, "authorized.invite", id="nested-column"),
        pytest.param({**USERID, "authorized": {"domain": "-x"}}, "authorized.domain", id="nested-minus"),
    ],
)
def test_bulk_csv_refuses_formula_cells_naming_row_and_column(fields: dict[str, Any], column: str) -> None:
    good = Device(device_id="unit-0", auth_type="deviceid", description="fine")
    bad = Device.model_validate({**BASE, **fields})
    with pytest.raises(InputError) as info:
        bulk_csv([good, bad])
    assert info.value.path == f"row 3, column {column}"
    assert info.value.allowed == FORMULA_ALLOWED
    assert "spreadsheet formula" in str(info.value)
    with pytest.raises(InputError) as alone:
        bulk_csv([bad])
    assert alone.value.path == f"row 2, column {column}"


@pytest.mark.parametrize(
    ("fields", "column", "cell"),
    [
        pytest.param({"description": "-5"}, "description", "-5", id="negative-number"),
        pytest.param({"device_cli": "+46701234567"}, "deviceCLI", "+46701234567", id="plus-number"),
        pytest.param({"description": "-1.5e-3"}, "description", "-1.5e-3", id="exponent"),
        pytest.param({"description": "+.5"}, "description", "+.5", id="leading-dot"),
        pytest.param({"description": "a=b"}, "description", "a=b", id="equals-inside"),
        pytest.param({"description": "1+1"}, "description", "1+1", id="no-leading-sign"),
        pytest.param({"device_id": "+46:unit-1"}, "deviceId", "+46:unit-1", id="plus-device-id"),
        pytest.param({"device_id": "-unit"}, "deviceId", "-unit", id="minus-device-id"),
        pytest.param({"service_data": {"note": "=1+1"}}, "serviceData.note", '"=1+1"', id="service-data-quoted-json"),
        pytest.param({"service_data": {"n": -5}}, "serviceData.n", "-5", id="service-data-negative-number"),
    ],
)
def test_bulk_csv_allows_harmless_leading_characters(fields: dict[str, Any], column: str, cell: str) -> None:
    (row,) = parse_csv(bulk_csv([Device.model_validate({**BASE, **fields})]))
    assert row[column] == cell


# -- bulk upload and status ------------------------------------------------------------------------


def test_bulk_upload_sends_the_rendered_csv_to_the_bulk_id(api: DeviceApi, emulator: EmulatorClient) -> None:
    devices = [Device(device_id="unit-1", auth_type="deviceid", description="a, b")]
    assert api.bulk_upload(DOMAIN, "job-1", devices) == {"success": True}
    (upload,) = [r for r in emulator.requests() if r["method"] == "PUT"]
    assert upload["path"] == f"{DEVICES}/bulk/job-1"
    assert upload["body"] == bulk_csv(devices)
    assert wait_for_job(api, "job-1")["status"] == "COMPLETED"


def test_bulk_upload_of_a_formula_cell_sends_nothing(api: DeviceApi, emulator: EmulatorClient) -> None:
    with pytest.raises(InputError):
        api.bulk_upload(DOMAIN, "job-1", [Device(device_id="unit-1", auth_type="deviceid", description="=1")])
    assert emulator.requests() == []


def test_bulk_status_reports_the_documented_fields_and_ends_completed(api: DeviceApi) -> None:
    api.bulk_upload(DOMAIN, "job-1", [Device(device_id="unit-1", auth_type="deviceid")])
    first = api.bulk_status(DOMAIN, "job-1")
    # The documented fields; the emulator may add its progress counts (DECISIONS["bulk.progress"]).
    assert {"bulkId", "domain", "status", "startedAt", "stoppedAt", "reason"} <= set(first)
    assert (first["bulkId"], first["domain"]) == ("job-1", DOMAIN)
    assert first["status"] in {"STARTED", "COMPLETED"}
    final = wait_for_job(api, "job-1")
    assert final["status"] == "COMPLETED"
    assert final["startedAt"] == first["startedAt"]
    assert final["stoppedAt"] >= final["startedAt"] > 0
    assert api.get(DOMAIN, "unit-1") is not None


def test_bulk_status_of_an_unknown_job_is_not_found(api: DeviceApi) -> None:
    with pytest.raises(NotFoundError):
        api.bulk_status(DOMAIN, "never-started")


def test_bulk_job_with_a_bad_row_fails_naming_it_and_applies_the_good_rows(api: DeviceApi) -> None:
    devices = [
        Device(device_id="good-1", auth_type="deviceid"),
        Device.model_construct(device_id="bad id", auth_type="deviceid"),  # skips the model's checks
        Device.model_construct(device_id="bad-2", auth_type="userid"),
        Device(device_id="good-2", auth_type="deviceid"),
    ]
    api.bulk_upload(DOMAIN, "job-1", devices)
    status = wait_for_job(api, "job-1")
    assert status["status"] == "FAILED"
    reasons = status["reason"].split("; ")
    assert len(reasons) == 2
    assert reasons[0].startswith("row 3: deviceId:")
    assert reasons[1].startswith("row 4: password:")
    assert sorted(d["deviceId"] for d in api.list(DOMAIN)) == ["good-1", "good-2"]


def test_bulk_uploaded_devices_equal_devices_put_one_by_one(api: DeviceApi) -> None:
    def devices(prefix: str) -> list[Device]:
        return [
            Device(
                device_id=f"{prefix}-app",
                auth_type="userid",
                password="s3cret",
                description='a "quoted", multi\nline note',
                authorized=Authorized(domain=DOMAIN, invite="^46", register=False),
            ),
            Device(
                device_id=f"{prefix}-unit",
                auth_type="deviceid",
                device_type="alarmUnit",
                device_cli="+46701234567",
                service_data={
                    "alarmBridge": {"alarmProtocol": "scaip", "overrideInAlarmEvent": {"priority": 2}},
                    "notes": "=not a formula",
                    "tags": ["x", 1, True],
                },
            ),
        ]

    api.bulk_upload(DOMAIN, "job-1", devices("bulk"))
    for device in devices("put"):
        api.create(DOMAIN, device.device_id, device.to_wire())
    assert wait_for_job(api, "job-1")["status"] == "COMPLETED"
    for suffix in ("app", "unit"):
        bulk = api.get(DOMAIN, f"bulk-{suffix}") or {}
        put = api.get(DOMAIN, f"put-{suffix}") or {}
        assert {**bulk, "deviceId": None} == {**put, "deviceId": None}


def test_bulk_upload_of_more_than_a_page_is_listed_across_pages(api: DeviceApi, emulator: EmulatorClient) -> None:
    devices = [Device(device_id=f"unit-{i:03d}", auth_type="deviceid") for i in range(105)]
    api.bulk_upload(DOMAIN, "job-1", devices)
    assert wait_for_job(api, "job-1")["status"] == "COMPLETED"
    emulator.clear_requests()
    assert [d["deviceId"] for d in api.list(DOMAIN)] == [d.device_id for d in devices]
    pages = [r for r in emulator.requests() if r["path"] == DEVICES]
    assert len(pages) == 2
    assert "nextToken=" in pages[1]["query"]


# -- DeviceApi.read_devices (the read functions' typed listing) ------------------------------------


def test_read_devices_types_every_device_without_its_secrets(api: DeviceApi) -> None:
    api.create(DOMAIN, "phone-1", {"authType": "credentials", "deviceCLI": "+4612345"})
    api.create(DOMAIN, "app-1", {**Device(device_id="app-1", **USERID).to_wire(), "description": "app"})
    devices = {d.device_id: d for d in api.read_devices(DOMAIN)}
    assert sorted(devices) == ["app-1", "phone-1"]
    phone, app = devices["phone-1"], devices["app-1"]
    assert (phone.auth_type, phone.device_cli, phone.heartbeat_status) == ("credentials", "+4612345", "offline")
    assert app.authorized == AuthorizedReport(register=True)
    assert app.description == "app"
    assert phone.description is None  # absent: None
    for device in (phone, app):
        dumped = device.model_dump()
        assert "ha1" not in dumped
        assert "password" not in dumped
        assert not device.model_extra
    assert "pw" not in repr(app)


def test_read_devices_with_a_prefix_sends_the_documented_filter(api: DeviceApi, emulator: EmulatorClient) -> None:
    for device_id in ("alarm-2", "phone-1", "alarm-1"):
        api.create(DOMAIN, device_id, {"authType": "deviceid"})
    emulator.clear_requests()
    assert [d.device_id for d in api.read_devices(DOMAIN, prefix="alarm-")] == ["alarm-1", "alarm-2"]
    assert [d.device_id for d in api.read_devices(DOMAIN, prefix="")] == ["alarm-1", "alarm-2", "phone-1"]
    first, second = emulator.requests()
    assert (first["method"], first["path"], second["path"]) == ("GET", DEVICES, DEVICES)
    assert "filter=alarm-" in first["query"]
    assert "filter" not in second["query"]  # an empty prefix is no filter


def test_read_devices_reads_every_page(api: DeviceApi, emulator: EmulatorClient) -> None:
    for i in range(105):
        api.create(DOMAIN, f"unit-{i:03d}", {"authType": "deviceid"})
    emulator.clear_requests()
    assert len(list(api.read_devices(DOMAIN, prefix="unit-"))) == 105
    pages = emulator.requests()
    assert len(pages) == 2
    assert "filter=unit-" in pages[1]["query"]
    assert "nextToken=" in pages[1]["query"]


@pytest.mark.parametrize(
    ("device", "field"),
    [
        ({"authType": "deviceid"}, "devices[0].deviceId"),
        ({"deviceId": "d", "serviceData": []}, "devices[0].serviceData"),
    ],
)
def test_read_devices_refuses_a_device_of_another_shape_naming_the_field(device: dict[str, Any], field: str) -> None:
    with scripted_transport(Reply(json={"devices": [device]})) as t, pytest.raises(ApiError) as info:
        list(DeviceApi(t).read_devices(DOMAIN))
    assert f"unexpected answer: {field}:" in str(info.value)


def test_read_devices_is_lenient_where_a_write_is_strict() -> None:
    """A userid device listed without password or authorized (a write would refuse it) is still read."""
    answer = {"devices": [{"deviceId": "u", "authType": "userid", "heartbeatExpiration": 5, "ha1": "x" * 32}]}
    with scripted_transport(Reply(json=answer)) as t:
        (device,) = DeviceApi(t).read_devices(DOMAIN)
    assert device == DeviceReport(device_id="u", auth_type="userid", heartbeat_expiration=5)
