"""Media services, alarm bridges, alarm event mappers and cloud SIP UAs: one CRUD shape, four schemas."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pulumi_iotcomms.api.contract import SERVICE_KINDS
from tests.emulator.samples import CALLBACK, SERVICE_KEYS, SERVICE_MINIMAL, P, sample
from tests.emulator_client import DOMAIN, EmulatorClient

kinds = pytest.mark.parametrize("kind", SERVICE_KINDS)
WITH_CALLBACK = ("mediaservice", "alarmbridge", "cloudsipua")

DEFAULTS: dict[str, dict[str, Any]] = {
    "mediaservice": {},
    "alarmbridge": {
        "defaultHeartbeatInterval": 300000,
        "useVPNConnection": False,
        "callbackTimeout": 15000,
        "controlCommandsEnabled": True,
        "arcDisconnectClearsCall": True,
    },
    "alarmeventmapper": {"deviceIdPadLength": 0, "controllerIdPadLength": 0, "mapDeviceIdToControllerId": False},
    "cloudsipua": {},
}


def base(kind: str) -> str:
    return f"{P}/{kind}/{DOMAIN}"


def read(client: EmulatorClient, kind: str, item_id: str, **params: str) -> dict[str, Any]:
    got = client.ok("GET", f"{base(kind)}/{item_id}", params=params)
    assert set(got) == {"success", kind}
    assert got["success"] is True
    return dict(got[kind])


@kinds
def test_docs_sample_round_trips_with_the_documented_shape(emulator: EmulatorClient, kind: str) -> None:
    answer = emulator.ok("POST", base(kind), json=sample(kind))
    assert set(answer) == {"success", "id"}
    uuid.UUID(answer["id"])
    got = read(emulator, kind, answer["id"])
    assert SERVICE_KEYS[kind] <= set(got)
    expected = {k: v for k, v in sample(kind).items() if k != "callbackId"}
    assert {k: got[k] for k in expected} == expected  # unknown fields (tonePowers, waitForCallback) kept
    listed = emulator.ok("GET", base(kind))
    assert listed == {f"{kind}s": [got], "success": True}


@kinds
def test_server_fills_documented_defaults_but_keeps_given_values(emulator: EmulatorClient, kind: str) -> None:
    emulator.ok("POST", base(kind), json={**SERVICE_MINIMAL[kind], "id": "a"})
    assert read(emulator, kind, "a") == {
        **SERVICE_MINIMAL[kind],
        **DEFAULTS[kind],
        "id": "a",
        **_callback_id(emulator, kind, "a"),
    }
    given = {k: (not v if isinstance(v, bool) else v + 1) for k, v in DEFAULTS[kind].items()}
    emulator.ok("PUT", f"{base(kind)}/a", json={**SERVICE_MINIMAL[kind], **given})
    assert {k: read(emulator, kind, "a")[k] for k in given} == given


def _callback_id(client: EmulatorClient, kind: str, item_id: str) -> dict[str, Any]:
    got = read(client, kind, item_id)
    return {"callbackId": got["callbackId"]} if "callbackId" in got else {}


@pytest.mark.parametrize("kind", WITH_CALLBACK)
def test_callback_id_is_generated_and_kept_across_writes(emulator: EmulatorClient, kind: str) -> None:
    emulator.ok(
        "POST", base(kind), json={**SERVICE_MINIMAL[kind], "id": "a", "callbackBaseUrl": CALLBACK, "callbackId": "mine"}
    )
    callback_id = read(emulator, kind, "a")["callbackId"]
    assert callback_id != "mine"
    uuid.UUID(callback_id)
    emulator.ok("PUT", f"{base(kind)}/a", json={**SERVICE_MINIMAL[kind], "callbackBaseUrl": CALLBACK + "/v2"})
    emulator.ok("PATCH", f"{base(kind)}/a", json=[{"op": "replace", "path": "/callbackId", "value": "x"}])
    assert read(emulator, kind, "a")["callbackId"] == callback_id
    emulator.ok("POST", base(kind), json={**SERVICE_MINIMAL[kind], "id": "b", "callbackBaseUrl": CALLBACK})
    assert read(emulator, kind, "b")["callbackId"] != callback_id


def test_no_callback_id_without_a_callback_url(emulator: EmulatorClient) -> None:
    emulator.ok("POST", base("alarmbridge"), json={**SERVICE_MINIMAL["alarmbridge"], "id": "a"})
    assert "callbackId" not in read(emulator, "alarmbridge", "a")


@kinds
def test_create_with_an_existing_id_is_409_and_put_overwrites(emulator: EmulatorClient, kind: str) -> None:
    assert emulator.ok("POST", base(kind), json={**SERVICE_MINIMAL[kind], "id": "a"}) == {"success": True, "id": "a"}
    emulator.fail("POST", base(kind), 409, "id", json={**SERVICE_MINIMAL[kind], "id": "a", "description": "x"})
    assert "description" not in read(emulator, kind, "a")
    put = emulator.ok("PUT", f"{base(kind)}/a", json={**SERVICE_MINIMAL[kind], "description": "x", "id": "a"})
    assert put == {"success": True, "id": "a"}
    assert read(emulator, kind, "a")["description"] == "x"
    emulator.fail("PUT", f"{base(kind)}/a", 400, "id", json={**SERVICE_MINIMAL[kind], "id": "b"})
    assert emulator.ok("DELETE", f"{base(kind)}/a") == {"success": True}
    emulator.fail("GET", f"{base(kind)}/a", 404, "id")


@kinds
def test_provisory_configurations_are_kept_apart(emulator: EmulatorClient, kind: str) -> None:
    body = {**SERVICE_MINIMAL[kind], "id": "a"}
    emulator.ok("POST", base(kind), params={"provisory": "true"}, json={**body, "description": "draft"})
    emulator.fail("GET", f"{base(kind)}/a", 404, "id")
    emulator.fail("GET", f"{base(kind)}/a", 404, "id", params={"provisory": "false"})
    assert emulator.ok("GET", base(kind))[f"{kind}s"] == []
    emulator.ok("POST", base(kind), json=body)
    assert read(emulator, kind, "a", provisory="true")["description"] == "draft"
    assert "description" not in read(emulator, kind, "a")
    emulator.ok("DELETE", f"{base(kind)}/a", params={"provisory": "true"})
    assert [s["id"] for s in emulator.ok("GET", base(kind))[f"{kind}s"]] == ["a"]
    assert emulator.ok("GET", base(kind), params={"provisory": "true"})[f"{kind}s"] == []
    emulator.fail("GET", base(kind), 400, "provisory", params={"provisory": "yes"})


_INVALID: list[tuple[str, dict[str, Any], str]] = [
    *[(kind, {field: None}, field) for kind, body in SERVICE_MINIMAL.items() for field in body],
    *[(kind, {"destinationMatch": "("}, "destinationMatch") for kind in ("mediaservice", "alarmbridge", "cloudsipua")],
    *[(kind, {"callbackBaseUrl": "http://insecure.example"}, "callbackBaseUrl") for kind in WITH_CALLBACK],
    *[(kind, {"id": "a b"}, "id") for kind in SERVICE_KINDS],
    *[(kind, {"name": 5}, "name") for kind in SERVICE_KINDS],
    ("mediaservice", {"offeredCodecs": ["G729"]}, "offeredCodecs[0]"),
    ("mediaservice", {"ivrRefresherExpiration": -1}, "ivrRefresherExpiration"),
    ("mediaservice", {"replySessionExpiration": -0.5}, "replySessionExpiration"),
    ("mediaservice", {"restAuthentication": {}}, "restAuthentication"),
    ("mediaservice", {"restAuthentication": [{"requestHeaders": []}]}, "restAuthentication[0].requestHeaders"),
    ("alarmbridge", {"protocol": "morse"}, "protocol"),
    ("alarmbridge", {"protocolMode": "fsk"}, "protocolMode"),
    ("alarmbridge", {"fallbackAlarmProtocol": "api"}, "fallbackAlarmProtocol"),
    ("alarmbridge", {"defaultHeartbeatInterval": 299999}, "defaultHeartbeatInterval"),
    ("alarmbridge", {"customerSiteId": "/regex/"}, "customerSiteId"),
    ("alarmbridge", {"useVPNConnection": "no"}, "useVPNConnection"),
    ("alarmbridge", {"toneSettings": {"dtmfSendType": 2833}}, "toneSettings.dtmfSendType"),
    ("alarmeventmapper", {"alarmHandling": "ignore"}, "alarmHandling"),
    ("alarmeventmapper", {"targetEndpoint": "sip:x"}, "targetEndpoint"),
    (
        "alarmeventmapper",
        {"targetEndpoint": {"backupEndpoint": {"backupDestAddr": 1}}},
        "targetEndpoint.backupEndpoint.backupDestAddr",
    ),
    ("alarmeventmapper", {"deviceIdPadLength": 11}, "deviceIdPadLength"),
    ("alarmeventmapper", {"deviceIdPadLength": -1}, "deviceIdPadLength"),
    ("alarmeventmapper", {"controllerIdPadLength": 2.5}, "controllerIdPadLength"),
    ("alarmeventmapper", {"mapDeviceIdToControllerId": "true"}, "mapDeviceIdToControllerId"),
    ("cloudsipua", {"callbackBaseUrl": "https://"}, "callbackBaseUrl"),
]


@pytest.mark.parametrize(("kind", "change", "field"), _INVALID)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_each_documented_constraint_is_400_naming_the_field(
    emulator: EmulatorClient, method: str, kind: str, change: dict[str, Any], field: str
) -> None:
    emulator.ok("POST", base(kind), json={**SERVICE_MINIMAL[kind], "id": "keep"})
    body = {k: v for k, v in {**SERVICE_MINIMAL[kind], **change}.items() if v is not None}
    emulator.fail(method, base(kind) if method == "POST" else f"{base(kind)}/keep", 400, field, json=body)
    assert read(emulator, kind, "keep") == {
        **SERVICE_MINIMAL[kind],
        **DEFAULTS[kind],
        "id": "keep",
        **_callback_id(emulator, kind, "keep"),
    }
    assert len(emulator.ok("GET", base(kind))[f"{kind}s"]) == 1


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("alarmeventmapper", {"deviceIdPadLength": 10, "controllerIdPadLength": 0}),
        ("alarmbridge", {"defaultHeartbeatInterval": 300000, "customerSiteId": "a_b-c.9"}),
        ("mediaservice", {"offeredCodecs": ["opus", "PCMA", "PCMU"], "ivrRefresherExpiration": 0}),
    ],
)
def test_range_boundaries_are_accepted(emulator: EmulatorClient, kind: str, change: dict[str, Any]) -> None:
    item_id = emulator.ok("POST", base(kind), json={**SERVICE_MINIMAL[kind], **change})["id"]
    assert {k: read(emulator, kind, item_id)[k] for k in change} == change
