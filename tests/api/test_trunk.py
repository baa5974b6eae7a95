"""``pulumi_iotcomms.api.trunk``: the Trunk (serviceDestination) model's constraints, the credential rules
(userName, realm and password together; write-only password; ha1) and TrunkApi against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import SECRET, WRITE_ONLY, Behaviour, behaviour, format_errors
from pulumi_iotcomms.api.trunk import Trunk, TrunkApi
from pulumi_iotcomms.errors import BadRequestError, ConflictError, NotFoundError
from tests.api._util import model_problems
from tests.emulator.samples import md5
from tests.emulator_client import DOMAIN, EmulatorClient

TRUNKS = f"/provisioning/trunk/{DOMAIN}"
BASE: dict[str, Any] = {
    "destination_target": "sip.carrier.example",
    "destination_transport": "udp",
    "destination_match": "^46",
}
WIRE_BASE: dict[str, Any] = {
    "destinationTarget": "sip.carrier.example",
    "destinationTransport": "udp",
    "destinationMatch": "^46",
}
CREDENTIALS: dict[str, Any] = {"userName": "trunk-user", "realm": "carrier.example", "password": "s3cret"}


@pytest.fixture
def api(transport: Transport) -> TrunkApi:
    return TrunkApi(transport)


def problems(**fields: Any) -> list[tuple[str, str]]:
    """``(field path, problem)`` for a Trunk built from ``BASE`` updated with ``fields`` (None: drop it)."""
    return model_problems(Trunk, {k: v for k, v in {**BASE, **fields}.items() if v is not None})


def reason(exc: pytest.ExceptionInfo[BadRequestError]) -> str:
    assert exc.value.reason is not None
    return exc.value.reason


# -- model: constraints ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="required-only"),
        pytest.param({"local_codec": "GSM", "trunkside_codec": "PCMU"}, id="codecs"),
        pytest.param({"local_codec": "PCMA", "trunkside_codec": "PCMA"}, id="codecs-pcma"),
        pytest.param({"source_networks": "10.0.0.1"}, id="source-address"),
        pytest.param({"source_networks": "10.0.0.0/8"}, id="source-cidr"),
        pytest.param({"source_networks": ["10.0.0.1", "192.168.0.0/16"]}, id="source-list"),
        pytest.param({"source_networks": "10.0.0.1/24"}, id="source-cidr-host-bits"),
        pytest.param({"destination_match": "/^46(?<rest>\\d+)$/i"}, id="match-js-literal-named-group"),
        pytest.param({"blacklist_pattern": "^4690"}, id="blacklist"),
        pytest.param({"type": "trunk"}, id="type-trunk"),
        pytest.param({"use_private_ip": True, "transcode": False}, id="booleans"),
        pytest.param({"force_rtp_relay": True, "force_nat_rewrites": False}, id="relay-booleans"),
        pytest.param({"user_name": "u", "realm": "r", "password": "p"}, id="credentials"),
        pytest.param({"user_name": "u", "realm": "r", "ha1": "a" * 32}, id="stored-credentials"),
        pytest.param({"ha1": "a" * 32}, id="ha1-alone"),
    ],
)
def test_documented_values_are_accepted(fields: dict[str, Any]) -> None:
    assert problems(**fields) == []


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        # A missing field is named by its wire name.
        pytest.param({"destination_target": None}, "destinationTarget", id="target-required"),
        pytest.param({"destination_transport": None}, "destinationTransport", id="transport-required"),
        pytest.param({"destination_match": None}, "destinationMatch", id="match-required"),
        pytest.param({"destination_match": ""}, "destination_match", id="match-empty"),
        pytest.param({"destination_match": "(46"}, "destination_match", id="match-bad-regex"),
        pytest.param({"blacklist_pattern": "[46"}, "blacklist_pattern", id="blacklist-bad-regex"),
        pytest.param({"local_codec": "G729"}, "local_codec", id="local-codec-enum"),
        pytest.param({"trunkside_codec": "opus"}, "trunkside_codec", id="trunkside-codec-enum"),
        pytest.param({"source_networks": "10.0.0.256"}, "source_networks", id="source-bad-address"),
        pytest.param({"source_networks": ["10.0.0.1", "2001:db8::/32"]}, "source_networks", id="source-ipv6"),
        pytest.param({"source_networks": "10.0.0.0/33"}, "source_networks", id="source-prefix-over-32"),
        pytest.param({"source_networks": "carrier.example"}, "source_networks", id="source-hostname"),
        pytest.param({"type": "device"}, "type", id="type-only-trunk"),
        pytest.param({"use_private_ip": "yes"}, "use_private_ip", id="boolean-strict"),
        pytest.param({"destination_target": 5}, "destination_target", id="target-not-a-string"),
    ],
)
def test_documented_constraints_are_enforced_naming_the_field(fields: dict[str, Any], path: str) -> None:
    found = problems(**fields)
    assert [p for p, _ in found] == [path], found


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        pytest.param({"user_name": "u"}, "realm", id="user-name-alone"),
        pytest.param({"realm": "r"}, "userName", id="realm-alone"),
        pytest.param({"password": "p"}, "userName", id="password-alone"),
        pytest.param({"user_name": "u", "realm": "r"}, "password", id="no-password"),
        pytest.param({"user_name": "u", "password": "p"}, "realm", id="no-realm"),
        pytest.param({"realm": "r", "password": "p"}, "userName", id="no-user-name"),
    ],
)
def test_user_name_realm_and_password_go_together(fields: dict[str, Any], missing: str) -> None:
    assert problems(**fields) == [(missing, "userName, realm and password must be given together")]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"password": "p", "ha1": "a" * 32}, id="password-and-ha1"),
        pytest.param({"user_name": "u", "realm": "r", "password": "p", "ha1": "a" * 32}, id="all-four"),
    ],
)
def test_ha1_and_password_are_two_ways_to_set_one_secret(fields: dict[str, Any]) -> None:
    assert problems(**fields) == [("ha1", "give either ha1 or userName+realm+password, not both")]


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("password", WRITE_ONLY),
        ("ha1", SECRET),
        ("type", Behaviour(server_default="trunk", argument=False)),
        ("user_name", Behaviour()),
        ("destination_match", Behaviour()),
    ],
)
def test_field_behaviour(field: str, expected: Behaviour) -> None:
    assert behaviour(Trunk, field) == expected


def test_password_is_secret_and_write_only_while_ha1_is_read_back() -> None:
    assert behaviour(Trunk, "password").secret
    assert behaviour(Trunk, "password").write_only
    assert behaviour(Trunk, "ha1").secret
    assert not behaviour(Trunk, "ha1").write_only


# -- model: wire names -----------------------------------------------------------------------------


def test_snake_case_names_and_camel_case_aliases_build_the_same_trunk() -> None:
    by_name = Trunk(
        **BASE,
        local_codec="PCMU",
        trunkside_codec="GSM",
        source_networks=["10.0.0.0/8"],
        add_terminating_uri_parameters=";user=phone",
        trunk_group_id="tg1",
        use_private_ip=True,
        destination_rewrite="^46",
        rewrite_anumber="4610",
        diversion_header="4611",
        network_id="net-1",
        blacklist_pattern="^4690",
        user_name="u",
        realm="r",
        password="p",
    )
    wire = {
        **WIRE_BASE,
        "localCodec": "PCMU",
        "trunksideCodec": "GSM",
        "sourceNetworks": ["10.0.0.0/8"],
        "addTerminatingUriParameters": ";user=phone",
        "trunkGroupId": "tg1",
        "usePrivateIP": True,
        "destinationRewrite": "^46",
        "rewriteAnumber": "4610",
        "diversionHeader": "4611",
        "networkId": "net-1",
        "blacklistPattern": "^4690",
        "userName": "u",
        "realm": "r",
        "password": "p",
    }
    assert Trunk.model_validate(wire) == by_name
    assert by_name.to_wire() == wire


def test_use_private_ip_alias_is_all_capitals() -> None:
    assert Trunk.model_fields["use_private_ip"].alias == "usePrivateIP"
    trunk = Trunk.model_validate({**WIRE_BASE, "usePrivateIp": True})
    assert trunk.use_private_ip is None
    assert trunk.to_wire() == {**WIRE_BASE, "usePrivateIp": True}


def test_to_wire_leaves_out_unset_fields_and_keeps_unknown_ones() -> None:
    trunk = Trunk.model_validate({**WIRE_BASE, "futureField": [1]})
    assert trunk.to_wire() == {**WIRE_BASE, "futureField": [1]}


# -- TrunkApi --------------------------------------------------------------------------------------


def test_create_puts_the_trunk_by_id_with_the_id_only_in_the_path(api: TrunkApi, emulator: EmulatorClient) -> None:
    assert api.create(DOMAIN, "t1", Trunk(**BASE).to_wire()) == {"success": True, "id": "t1"}
    (request,) = [r for r in emulator.requests() if r["method"] != "GET"]
    assert (request["method"], request["path"]) == ("PUT", f"{TRUNKS}/t1")
    assert request["body"] == WIRE_BASE


def test_get_returns_the_trunk_with_the_server_default_type(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, "localCodec": "PCMA", "sourceNetworks": "10.0.0.0/8"})
    assert api.get(DOMAIN, "t1") == {**WIRE_BASE, "localCodec": "PCMA", "sourceNetworks": "10.0.0.0/8", "type": "trunk"}


def test_get_of_an_unknown_trunk_is_none(api: TrunkApi) -> None:
    assert api.get(DOMAIN, "nope") is None


def test_password_is_echoed_once_and_only_its_ha1_is_kept(api: TrunkApi, emulator: EmulatorClient) -> None:
    answer = api.create(DOMAIN, "t1", Trunk.model_validate({**WIRE_BASE, **CREDENTIALS}).to_wire())
    assert answer == {"success": True, "id": "t1", "password": "s3cret"}
    got = api.get(DOMAIN, "t1")
    assert got is not None
    assert "password" not in got
    assert got["ha1"] == md5("trunk-user:carrier.example:s3cret")
    stored = emulator.objects()[DOMAIN]["trunk"]["t1"]
    assert "password" not in stored
    # What the server returns is the stored form, which the model accepts back.
    assert Trunk.model_validate(got).password is None


def test_the_stored_form_read_back_can_be_written_again_keeping_the_ha1(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, **CREDENTIALS})
    stored = api.get(DOMAIN, "t1") or {}
    assert api.overwrite(DOMAIN, "t1", {**stored, "description": "main"}) == {"success": True, "id": "t1"}
    assert api.get(DOMAIN, "t1") == {**stored, "description": "main"}


def test_overwrite_without_any_credential_keeps_the_ha1(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, **CREDENTIALS})
    ha1 = (api.get(DOMAIN, "t1") or {})["ha1"]
    assert api.overwrite(DOMAIN, "t1", {**WIRE_BASE, "description": "main"}) == {"success": True, "id": "t1"}
    got = api.get(DOMAIN, "t1") or {}
    assert (got["ha1"], got["description"]) == (ha1, "main")


def test_user_name_and_realm_without_a_password_are_rejected(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, **CREDENTIALS})
    with pytest.raises(BadRequestError) as info:
        api.overwrite(DOMAIN, "t1", {**WIRE_BASE, "userName": "trunk-user", "realm": "carrier.example"})
    assert reason(info).startswith("password:")


def test_changing_user_name_or_realm_needs_the_password(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, **CREDENTIALS})
    stored = api.get(DOMAIN, "t1") or {}
    with pytest.raises(BadRequestError) as info:
        api.overwrite(DOMAIN, "t1", {**stored, "realm": "other.example"})  # the old ha1 no longer fits
    assert reason(info).startswith("password:")
    assert api.get(DOMAIN, "t1") == stored
    answer = api.overwrite(DOMAIN, "t1", {**WIRE_BASE, **CREDENTIALS, "realm": "other.example"})
    assert answer["password"] == "s3cret"
    got = api.get(DOMAIN, "t1") or {}
    assert got["ha1"] == md5("trunk-user:other.example:s3cret") != stored["ha1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({**WIRE_BASE, "userName": "u"}, "realm", id="user-name-alone"),
        pytest.param({**WIRE_BASE, **CREDENTIALS, "ha1": "a" * 32}, "ha1", id="password-and-ha1"),
        pytest.param({**WIRE_BASE, "localCodec": "G729"}, "localCodec", id="codec"),
        pytest.param({**WIRE_BASE, "sourceNetworks": ["2001:db8::/32"]}, "sourceNetworks", id="ipv6-network"),
        pytest.param({"destinationTarget": "x", "destinationTransport": "udp"}, "destinationMatch", id="required"),
    ],
)
def test_server_rejects_what_the_model_rejects_naming_the_same_field(
    api: TrunkApi, body: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as local:
        Trunk.model_validate(body, by_alias=True, by_name=False)
    assert [p for p, _ in format_errors(local.value)] == [field]
    with pytest.raises(BadRequestError) as info:
        api.create(DOMAIN, "t1", body)
    assert reason(info).startswith(f"{field}:")
    assert api.get(DOMAIN, "t1") is None


def test_patch_applies_rfc6902_operations(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, "description": "old", "transcode": True})
    ops: list[dict[str, Any]] = [
        {"op": "replace", "path": "/description", "value": "new"},
        {"op": "remove", "path": "/transcode"},
        {"op": "add", "path": "/sourceNetworks", "value": ["10.1.0.0/16"]},
    ]
    assert api.patch(DOMAIN, "t1", ops) == {"success": True}
    got = api.get(DOMAIN, "t1") or {}
    assert got["description"] == "new"
    assert "transcode" not in got
    assert got["sourceNetworks"] == ["10.1.0.0/16"]


def test_patch_with_a_password_replaces_the_ha1_and_echoes_the_password(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, **CREDENTIALS})
    answer = api.patch(DOMAIN, "t1", [{"op": "add", "path": "/password", "value": "n3w"}])
    assert answer == {"success": True, "password": "n3w"}
    got = api.get(DOMAIN, "t1") or {}
    assert got["ha1"] == md5("trunk-user:carrier.example:n3w")
    assert "password" not in got


def test_patch_with_a_failing_test_op_is_a_conflict_and_changes_nothing(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", {**WIRE_BASE, "description": "old"})
    ops: list[dict[str, Any]] = [
        {"op": "test", "path": "/description", "value": "other"},
        {"op": "replace", "path": "/description", "value": "new"},
    ]
    with pytest.raises(ConflictError):
        api.patch(DOMAIN, "t1", ops)
    assert (api.get(DOMAIN, "t1") or {})["description"] == "old"


def test_patch_of_an_unknown_trunk_is_not_found(api: TrunkApi) -> None:
    with pytest.raises(NotFoundError):
        api.patch(DOMAIN, "nope", [{"op": "add", "path": "/description", "value": "x"}])


def test_delete_reports_whether_the_trunk_existed(api: TrunkApi) -> None:
    api.create(DOMAIN, "t1", WIRE_BASE)
    assert api.delete(DOMAIN, "t1") is True
    assert api.get(DOMAIN, "t1") is None
    assert api.delete(DOMAIN, "t1") is False


def test_list_yields_trunk_ids_with_their_service_destination(api: TrunkApi) -> None:
    assert list(api.list(DOMAIN)) == []
    api.create(DOMAIN, "t2", {**WIRE_BASE, **CREDENTIALS})
    api.create(DOMAIN, "t1", WIRE_BASE)
    listed = {item["trunkId"]: item for item in api.list(DOMAIN)}
    assert set(listed) == {"t1", "t2"}
    assert all(set(item) == {"trunkId", "serviceDestination"} for item in listed.values())
    assert listed["t1"]["serviceDestination"] == {**WIRE_BASE, "type": "trunk"}
    assert listed["t2"]["serviceDestination"] == api.get(DOMAIN, "t2")
    assert "password" not in listed["t2"]["serviceDestination"]
