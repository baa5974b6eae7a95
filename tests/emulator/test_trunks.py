"""Trunks: ``/provisioning/trunk/{domain}`` — create, upsert by id, credentials as ha1, list shape."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.emulator.samples import TRUNK_KEYS, TRUNK_SAMPLE, TRUNKS, md5
from tests.emulator_client import EmulatorClient

MINIMAL = {"destinationTarget": "sip.example.net", "destinationTransport": "tls", "destinationMatch": "^46"}
CREDS = {"userName": "u", "realm": "r", "password": "p"}


def _trunk(client: EmulatorClient, trunk_id: str) -> dict[str, Any]:
    got = client.ok("GET", f"{TRUNKS}/{trunk_id}")
    assert set(got) == {"success", "trunk"}
    assert got["success"] is True
    return dict(got["trunk"])


def test_docs_sample_creates_a_trunk_with_a_new_id(emulator: EmulatorClient) -> None:
    answer = emulator.ok("POST", TRUNKS, json=TRUNK_SAMPLE)
    assert set(answer) == {"success", "id", "password"}
    assert answer["password"] == "secret"
    uuid.UUID(answer["id"])
    trunk = _trunk(emulator, answer["id"])
    assert set(trunk) == TRUNK_KEYS - {"password"}  # write-only (DECISIONS trunk.password)
    assert trunk["ha1"] == md5("user:realm.example:secret")
    assert {k: trunk[k] for k in TRUNK_SAMPLE if k != "password"} == {
        k: v for k, v in TRUNK_SAMPLE.items() if k != "password"
    }
    listed = emulator.ok("GET", TRUNKS)
    assert listed == {"trunks": [{"trunkId": answer["id"], "serviceDestination": trunk}], "success": True}


def test_two_creates_make_two_trunks(emulator: EmulatorClient) -> None:
    ids = {emulator.ok("POST", TRUNKS, json=MINIMAL)["id"] for _ in range(2)}
    assert len(ids) == 2
    assert _trunk(emulator, ids.pop())["type"] == "trunk"


def test_put_by_id_adds_then_modifies(emulator: EmulatorClient) -> None:
    assert emulator.ok("PUT", f"{TRUNKS}/t1", json={**MINIMAL, **CREDS}) == {
        "success": True,
        "id": "t1",
        "password": "p",
    }
    ha1 = _trunk(emulator, "t1")["ha1"]
    assert emulator.ok("PUT", f"{TRUNKS}/t1", json={**MINIMAL, "description": "d"}) == {"success": True, "id": "t1"}
    trunk = _trunk(emulator, "t1")
    assert trunk["description"] == "d"
    assert trunk["ha1"] == ha1
    assert "userName" not in trunk


@pytest.mark.parametrize(("body", "trunk_id"), [({"trunkId": "t9"}, "t9"), ({}, None)], ids=["with-id", "new-id"])
def test_put_to_the_collection_upserts_by_trunk_id(
    emulator: EmulatorClient, body: dict[str, Any], trunk_id: str | None
) -> None:
    answer = emulator.ok("PUT", TRUNKS, json={**body, "serviceDestination": {**MINIMAL, **CREDS}})
    assert answer["password"] == "p"
    assert trunk_id is None or answer["id"] == trunk_id
    emulator.ok("PUT", TRUNKS, json={"trunkId": answer["id"], "serviceDestination": {**MINIMAL, "description": "2"}})
    assert [t["trunkId"] for t in emulator.ok("GET", TRUNKS)["trunks"]] == [answer["id"]]
    assert _trunk(emulator, answer["id"])["description"] == "2"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trunkId": "t1"}, "serviceDestination"),
        ({"serviceDestination": "x"}, "serviceDestination"),
        ({"serviceDestination": {**MINIMAL, "localCodec": "G729"}}, "serviceDestination.localCodec"),
        ({"trunkId": "a b", "serviceDestination": MINIMAL}, "trunkId"),
    ],
)
def test_put_to_the_collection_validates(emulator: EmulatorClient, body: dict[str, Any], field: str) -> None:
    emulator.fail("PUT", TRUNKS, 400, field, json=body)


_INVALID: list[tuple[dict[str, Any], str]] = [
    *[({k: v for k, v in MINIMAL.items() if k != name}, name) for name in MINIMAL],
    ({**MINIMAL, "destinationMatch": "(unclosed"}, "destinationMatch"),
    ({**MINIMAL, "blacklistPattern": "[z-a]"}, "blacklistPattern"),
    ({**MINIMAL, "localCodec": "G729"}, "localCodec"),
    ({**MINIMAL, "trunksideCodec": "opus"}, "trunksideCodec"),
    ({**MINIMAL, "type": "sip"}, "type"),
    ({**MINIMAL, "sourceNetworks": "300.1.1.1"}, "sourceNetworks"),
    ({**MINIMAL, "sourceNetworks": ["10.0.0.0/8", "2001:db8::/32"]}, "sourceNetworks"),
    ({**MINIMAL, "usePrivateIP": "yes"}, "usePrivateIP"),
    ({**MINIMAL, "transcode": 1}, "transcode"),
    ({**MINIMAL, "userName": "u"}, "realm"),
    ({**MINIMAL, "userName": "u", "realm": "r"}, "password"),
    ({**MINIMAL, **CREDS, "ha1": md5("x")}, "ha1"),
]


@pytest.mark.parametrize(("body", "field"), _INVALID)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_each_documented_constraint_is_400_naming_the_field(
    emulator: EmulatorClient, method: str, body: dict[str, Any], field: str
) -> None:
    emulator.fail(method, TRUNKS if method == "POST" else f"{TRUNKS}/t1", 400, field, json=body)
    assert emulator.objects() == {}


def test_put_with_a_bad_trunk_id_is_400(emulator: EmulatorClient) -> None:
    emulator.fail("PUT", f"{TRUNKS}/a%20b", 400, "trunkId", json=MINIMAL)


@pytest.mark.parametrize("networks", ["10.1.2.3", ["10.0.0.0/8", "192.0.2.7"], []])
def test_source_networks_take_an_address_a_cidr_or_a_list(emulator: EmulatorClient, networks: Any) -> None:
    emulator.ok("PUT", f"{TRUNKS}/t1", json={**MINIMAL, "sourceNetworks": networks})
    assert _trunk(emulator, "t1")["sourceNetworks"] == networks


def test_credentials_change_only_with_a_password(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", f"{TRUNKS}/t1", json={**MINIMAL, **CREDS})
    stored = _trunk(emulator, "t1")
    # What GET returned can be sent back, and other fields patched, without the password.
    emulator.ok("PUT", f"{TRUNKS}/t1", json=stored)
    emulator.ok("PATCH", f"{TRUNKS}/t1", json=[{"op": "add", "path": "/description", "value": "d"}])
    emulator.fail("PATCH", f"{TRUNKS}/t1", 400, "password", json=[{"op": "replace", "path": "/userName", "value": "v"}])
    assert _trunk(emulator, "t1") == {**stored, "description": "d"}
    answer = emulator.ok(
        "PATCH",
        f"{TRUNKS}/t1",
        json=[{"op": "replace", "path": "/userName", "value": "v"}, {"op": "add", "path": "/password", "value": "q"}],
    )
    assert answer == {"success": True, "password": "q"}
    trunk = _trunk(emulator, "t1")
    assert trunk["ha1"] == md5("v:r:q")
    assert "password" not in trunk


def test_a_patch_removing_the_ha1_removes_it_while_a_put_without_one_keeps_it(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", f"{TRUNKS}/t1", json={**MINIMAL, **CREDS})
    emulator.ok("PUT", f"{TRUNKS}/t1", json=MINIMAL)
    assert _trunk(emulator, "t1") == {**MINIMAL, "type": "trunk", "ha1": md5("u:r:p")}
    emulator.ok("PATCH", f"{TRUNKS}/t1", json=[{"op": "remove", "path": "/ha1"}])
    assert _trunk(emulator, "t1") == {**MINIMAL, "type": "trunk"}
