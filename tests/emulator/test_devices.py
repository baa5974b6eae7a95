"""Devices: ``/provisioning/device/{domain}`` — PUT add-or-modify, GET, DELETE, list, delete-all."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.samples import DEVICE_KEYS, DEVICE_SAMPLE, DEVICES, KINDS, md5, walk
from tests.emulator_client import DOMAIN, EmulatorClient

CRED = {"deviceId": "d1", "authType": "credentials"}
USERID = {"deviceId": "u1", "authType": "userid", "password": "pw", "authorized": {"domain": DOMAIN, "invite": ".*"}}


def test_docs_sample_round_trips_with_the_documented_shape(emulator: EmulatorClient) -> None:
    answer = emulator.ok("PUT", DEVICES, json=DEVICE_SAMPLE)
    assert answer == {"success": True, "id": "string"}  # ha1 given: no password generated
    got = emulator.ok("GET", f"{DEVICES}/string")
    # lastConfigured is set by the gateway, "reason" only comes with errors.
    keys_absent = {"reason", "lastConfigured"}
    assert set(got) == DEVICE_KEYS - keys_absent
    assert {k: got[k] for k in DEVICE_SAMPLE if k not in keys_absent} == {
        k: v for k, v in DEVICE_SAMPLE.items() if k not in keys_absent
    }
    assert (got["heartbeatStatus"], got["heartbeatExpiration"], got["success"]) == ("offline", 0, True)
    listed = emulator.ok("GET", DEVICES)
    assert set(listed) == {"devices", "success"}
    assert listed["devices"] == [{k: v for k, v in got.items() if k != "success"}]


def test_credentials_device_gets_a_password_once_stored_as_ha1(emulator: EmulatorClient) -> None:
    password = emulator.ok("PUT", DEVICES, json=CRED)["password"]
    got = emulator.ok("GET", f"{DEVICES}/d1")
    assert "password" not in got
    assert got["ha1"] == md5(f"d1:{DOMAIN}:{password}")
    again = emulator.ok("PUT", DEVICES, json={**CRED, "description": "again"})
    assert "password" not in again
    assert emulator.ok("GET", f"{DEVICES}/d1")["ha1"] == got["ha1"]


@pytest.mark.parametrize(
    "body",
    [{**CRED, "ha1": md5("x")}, {"deviceId": "d1", "authType": "deviceid"}, USERID],
    ids=["credentials-with-ha1", "deviceid", "userid"],
)
def test_no_password_generated_unless_credentials_without_ha1(emulator: EmulatorClient, body: dict[str, Any]) -> None:
    assert "password" not in emulator.ok("PUT", DEVICES, json=body)
    got = emulator.ok("GET", f"{DEVICES}/{body['deviceId']}")
    assert got.get("ha1") == body.get("ha1")
    assert got.get("password") == body.get("password")


def test_unknown_fields_are_kept_and_computed_fields_ignored(emulator: EmulatorClient) -> None:
    body = {**CRED, "custom": {"x": [1, 2]}, "heartbeatStatus": "online", "heartbeatExpiration": 5}
    emulator.ok("PUT", DEVICES, json=body)
    got = emulator.ok("GET", f"{DEVICES}/d1")
    assert got["custom"] == {"x": [1, 2]}
    assert (got["heartbeatStatus"], got["heartbeatExpiration"]) == ("offline", 0)


def test_put_replaces_the_whole_device(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", DEVICES, json={**CRED, "description": "one", "macAddress": "m"})
    emulator.ok("PUT", DEVICES, json={**CRED, "description": "two"})
    got = emulator.ok("GET", f"{DEVICES}/d1")
    assert got["description"] == "two"
    assert "macAddress" not in got


_INVALID: list[tuple[Any, str]] = [
    ({"authType": "deviceid"}, "deviceId"),
    ({"deviceId": "a b", "authType": "deviceid"}, "deviceId"),
    ({"deviceId": "a/b", "authType": "deviceid"}, "deviceId"),
    ({"deviceId": "", "authType": "deviceid"}, "deviceId"),
    ({"deviceId": 7, "authType": "deviceid"}, "deviceId"),
    ({"deviceId": "d1"}, "authType"),
    ({"deviceId": "d1", "authType": "jwt"}, "authType"),
    ({**CRED, "deviceType": "phone"}, "deviceType"),
    ({**CRED, "description": "x" * 201}, "description"),
    ({**CRED, "ha1": "not-a-hash"}, "ha1"),
    ({"deviceId": "d1", "authType": "deviceid", "ha1": md5("x")}, "ha1"),
    ({**USERID, "password": None}, "password"),
    ({k: v for k, v in USERID.items() if k != "authorized"}, "authorized"),
    ({**USERID, "authorized": {"invite": "("}}, "authorized.invite"),
    ({**USERID, "authorized": {"register": "yes"}}, "authorized.register"),
    ({**CRED, "serviceData": []}, "serviceData"),
    *[
        ({**CRED, "serviceData": {"alarmBridge": ab}}, f"serviceData.alarmBridge.{field}")
        for ab, field in [
            ({"heartbeatInterval": 299999}, "heartbeatInterval"),
            ({"alarmProtocol": "morse"}, "alarmProtocol"),
            ({"overrideInAlarmEvent": {"priority": "high"}}, "overrideInAlarmEvent.priority"),
        ]
    ],
    ([CRED], "(body)"),
]


@pytest.mark.parametrize(("body", "field"), _INVALID)
def test_each_documented_constraint_is_400_naming_the_field(emulator: EmulatorClient, body: Any, field: str) -> None:
    emulator.fail("PUT", DEVICES, 400, field, json=body)
    assert emulator.objects() == {}


@pytest.mark.parametrize(
    "body",
    [
        {**CRED, "description": "x" * 200},
        {"deviceId": "aZ09-._:~+", "authType": "deviceid"},
        {**CRED, "serviceData": {"alarmBridge": {"heartbeatInterval": 300000}, "other": {"any": "thing"}}},
        {**CRED, "deviceType": "alarmUnit"},
    ],
    ids=["description-200", "deviceId-charset", "serviceData", "deviceType"],
)
def test_boundary_values_are_accepted(emulator: EmulatorClient, body: dict[str, Any]) -> None:
    emulator.ok("PUT", DEVICES, json=body)
    assert emulator.ok("GET", f"{DEVICES}/{body['deviceId']}")["deviceId"] == body["deviceId"]


def test_delete_removes_the_device(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", DEVICES, json=CRED)
    assert emulator.ok("DELETE", f"{DEVICES}/d1") == {"success": True}
    emulator.fail("GET", f"{DEVICES}/d1", 404, "deviceId")
    emulator.fail("DELETE", f"{DEVICES}/d1", 404, "deviceId")


@pytest.mark.parametrize(
    ("body", "deleted"), [(None, False), ({"confirmDeleteAll": False}, False), ({"confirmDeleteAll": True}, True)]
)
def test_delete_all_is_a_dry_run_unless_confirmed(emulator: EmulatorClient, body: Any, deleted: bool) -> None:
    for device_id in ("b", "a"):
        emulator.ok("PUT", DEVICES, json={"deviceId": device_id, "authType": "deviceid"})
    answer = emulator.ok("DELETE", DEVICES, json=body)
    assert set(answer) == {"success", "message", "deviceIds"}
    assert answer["deviceIds"] == ["a", "b"]
    assert len(emulator.ok("GET", DEVICES)["devices"]) == (0 if deleted else 2)


def test_filter_lists_devices_whose_id_starts_with_it(emulator: EmulatorClient) -> None:
    ids = [f"{prefix}-{i:02d}" for prefix in ("alpha", "beta", "al") for i in range(15)]
    for device_id in ids:
        emulator.ok("PUT", DEVICES, json={"deviceId": device_id, "authType": "deviceid"})
    device = KINDS[0]
    assert walk(emulator, device, 4, filter="alpha") == sorted(i for i in ids if i.startswith("alpha"))
    assert walk(emulator, device, 100, filter="al") == sorted(i for i in ids if i.startswith("al"))
    assert walk(emulator, device, 10, filter="zzz") == []


def test_patch_with_a_new_ha1_keeps_credentials_and_sends_no_password(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", DEVICES, json=CRED)
    answer = emulator.ok("PATCH", f"{DEVICES}/d1", json=[{"op": "replace", "path": "/ha1", "value": md5("new")}])
    assert "password" not in answer
    got = emulator.ok("GET", f"{DEVICES}/d1")
    assert got["ha1"] == md5("new")
    assert (got["heartbeatStatus"], got["heartbeatExpiration"]) == ("offline", 0)
