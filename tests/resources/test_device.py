"""Device through the engine protocol (lifecycle, SIP password, adopt guard, serialized provider) and
``DeviceProvider`` against the emulator (the SIP password's check, diff, update and refresh, state of the
earlier release)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import inspect
import math
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_iotcomms import AlarmEventMapper, Device
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.device import DeviceProvider
from pulumi_iotcomms.testing.harness import CheckFailedError, Harness, Secret
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.resources._lifecycle import Lifecycle, config_for, lifecycle_scenario, state_text
from tests.resources._provider_cases import writes

URL = f"/provisioning/device/{DOMAIN}"
INPUTS = {
    "device_id": "unit-1",
    "auth_type": "deviceid",
    "device_type": "alarmUnit",
    "description": "first",
    "service_data": {"alarmBridge": {"heartbeatInterval": 300000, "alarmProtocol": "scaip"}},
}


def _patch(field: str, value: Any) -> Any:
    return lambda emulator, local_id: emulator.ok(
        "PATCH", f"{URL}/{local_id}", json=[{"op": "replace", "path": f"/{field}", "value": value}]
    )


LIFE = Lifecycle(
    resource=Device,
    inputs=INPUTS,
    update={"description": "second"},
    update_write=("PATCH", [{"op": "replace", "path": "/description", "value": "second"}]),
    url=lambda local_id: f"{URL}/{local_id}",
    edit=_patch("description", "changed elsewhere"),
    remove=lambda emulator, local_id: emulator.ok("DELETE", f"{URL}/{local_id}"),
    replace={"auth_type": "userid", "password": "Device-Secret-3310", "authorized": {"register": True}},
    secrets=("Device-Secret-3310",),
)


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(LIFE, emulator), HarnessRunner(), tmp_path)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _ha1(device_id: str, password: str) -> str:
    return _md5(f"{device_id}:{DOMAIN}:{password}")


def _server_ha1(emulator: EmulatorClient, device_id: str = "phone-1") -> str:
    return str(emulator.ok("GET", f"{URL}/{device_id}")["ha1"])


def _device_writes(emulator: EmulatorClient) -> list[tuple[str, Any]]:
    return [(r["method"], r["body"]) for r in emulator.requests() if r["method"] != "GET"]


def test_replace_of_auth_type_deletes_first_and_the_new_device_gets_a_password(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(lambda: Device("d", domain=DOMAIN, device_id="unit-9", auth_type="deviceid"))
    assert "sip_password" not in harness.state.by_name("d").inputs
    result = harness.up(lambda: Device("d", domain=DOMAIN, device_id="unit-9", auth_type="credentials"))
    assert result.changes == {"d": "replace"}
    assert [c.method for c in result.calls if c.method in ("Create", "Delete")] == ["Delete", "Create"]
    password = harness.state.by_name("d").outputs["sip_password"]
    assert isinstance(password, Secret)
    assert _server_ha1(emulator, "unit-9") == _ha1("unit-9", password.value)


def _credentials_program(description: str = "a", **extra: Any) -> Any:
    def run() -> None:
        device = Device(
            "sip", domain=DOMAIN, device_id="phone-1", auth_type="credentials", description=description, **extra
        )
        pulumi.export("sip_password", device.sip_password)

    return run


def test_generated_password_is_secret_and_never_regenerated(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    first = harness.up(_credentials_program("a"))
    exported = first.outputs["sip_password"]
    assert isinstance(exported, Secret)
    password = exported.value
    ha1 = _server_ha1(emulator)
    assert ha1 == _ha1("phone-1", password)
    assert password not in state_text(tmp_path)
    assert ha1 not in state_text(tmp_path)
    state = harness.state.by_name("sip")
    assert "sip_password" in state.secret_outputs
    assert state.inputs["sip_password"] == Secret(password)  # chosen by check, kept among the inputs, secret
    assert harness.preview(_credentials_program("a")).changes == {}

    second = harness.up(_credentials_program("b"))
    assert second.changes == {"sip": "update"}
    assert second.plain_outputs["sip_password"] == password
    assert _server_ha1(emulator) == ha1
    assert harness.refresh().kinds == {"sip": "same"}
    assert harness.up(_credentials_program("b")).plain_outputs["sip_password"] == password
    assert password not in state_text(tmp_path)


def _legacy_password(domain: str, device_id: str) -> str:
    """The SIP password of the earlier release: HMAC-SHA256(token, "sip-password:<domain>:<id>")."""
    digest = hmac.new(TOKEN.encode(), f"sip-password:{domain}:{device_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:15]).decode()


def test_generated_passwords_are_random(emulator: EmulatorClient, tmp_path: Path) -> None:
    def two() -> None:
        for n in (1, 2):
            device = Device(f"sip-{n}", domain=DOMAIN, device_id=f"phone-{n}", auth_type="credentials")
            pulumi.export(f"p{n}", device.sip_password)

    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    first = harness.up(two).plain_outputs
    assert first["p1"] != first["p2"]
    for n in (1, 2):
        assert len(first[f"p{n}"]) >= 24
        assert first[f"p{n}"] != _legacy_password(DOMAIN, f"phone-{n}")  # nothing the token can compute
        assert _server_ha1(emulator, f"phone-{n}") == _ha1(f"phone-{n}", first[f"p{n}"])
    harness.destroy()
    again = harness.up(two).plain_outputs
    assert {again["p1"], again["p2"]}.isdisjoint({first["p1"], first["p2"]})


def test_keepers_change_rotates_the_password_in_place(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    old = harness.up(_credentials_program(sip_password_keepers={"rotated": "2024-01"})).plain_outputs
    assert harness.preview(_credentials_program(sip_password_keepers={"rotated": "2024-01"})).changes == {}
    emulator.clear_requests()
    result = harness.up(_credentials_program(sip_password_keepers={"rotated": "2025-01"}))
    assert result.changes == {"sip": "update"}
    new = result.plain_outputs["sip_password"]
    assert new != old["sip_password"]
    assert _device_writes(emulator) == [("PATCH", [{"op": "replace", "path": "/ha1", "value": _ha1("phone-1", new)}])]
    assert _server_ha1(emulator) == _ha1("phone-1", new)
    assert harness.preview(_credentials_program(sip_password_keepers={"rotated": "2025-01"})).changes == {}
    assert new not in state_text(tmp_path)


def test_out_of_band_ha1_change_is_refreshed_and_set_back(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    password = harness.up(_credentials_program()).plain_outputs["sip_password"]
    foreign = _ha1("phone-1", "Changed-Elsewhere-91")
    emulator.ok("PATCH", f"{URL}/phone-1", json=[{"op": "replace", "path": "/ha1", "value": foreign}])

    assert harness.refresh().kinds == {"sip": "refresh"}
    assert harness.state.by_name("sip").outputs["ha1"] == Secret(foreign)
    assert harness.preview(_credentials_program()).changes == {"sip": "update"}
    emulator.clear_requests()
    result = harness.up(_credentials_program())
    assert result.plain_outputs["sip_password"] == password
    restored = _ha1("phone-1", password)
    assert _device_writes(emulator) == [("PATCH", [{"op": "replace", "path": "/ha1", "value": restored}])]
    assert _server_ha1(emulator) == restored
    assert harness.preview(_credentials_program()).changes == {}
    assert harness.refresh().kinds == {"sip": "same"}
    text = state_text(tmp_path)
    assert [v for v in (password, foreign, restored) if v in text] == []


def test_password_of_a_credentials_device_is_its_sip_password(emulator: EmulatorClient, tmp_path: Path) -> None:
    chosen = "Chosen-Sip-Pw-7731"
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    emulator.clear_requests()
    result = harness.up(_credentials_program(password=chosen))
    assert result.plain_outputs["sip_password"] == chosen
    (put,) = [body for method, body in _device_writes(emulator) if method == "PUT"]
    assert "password" not in put  # the API uses password for userid devices only
    assert put["ha1"] == _ha1("phone-1", chosen)
    assert "password" not in emulator.ok("GET", f"{URL}/phone-1")
    assert harness.preview(_credentials_program(password=chosen)).changes == {}
    assert harness.refresh().kinds == {"sip": "same"}
    emulator.clear_requests()
    assert harness.up(_credentials_program(password="Chosen-Sip-Pw-7732")).changes == {"sip": "update"}
    assert _device_writes(emulator) == [
        ("PATCH", [{"op": "replace", "path": "/ha1", "value": _ha1("phone-1", "Chosen-Sip-Pw-7732")}])
    ]
    assert chosen not in state_text(tmp_path)
    with pytest.raises(CheckFailedError) as info:
        harness.preview(_credentials_program(password=chosen, ha1=_ha1("phone-1", chosen)))
    assert [p for p, _ in info.value.failures] == ["password"]


def test_removing_ha1_falls_back_to_a_generated_exported_password(emulator: EmulatorClient, tmp_path: Path) -> None:
    given = _ha1("phone-1", "Known-To-The-Owner-5")
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    assert harness.up(_credentials_program(ha1=given)).plain_outputs["sip_password"] is None
    assert _server_ha1(emulator) == given
    assert harness.preview(_credentials_program()).changes == {"sip": "update"}
    emulator.clear_requests()
    password = harness.up(_credentials_program()).plain_outputs["sip_password"]
    assert isinstance(password, str)
    assert password
    assert _device_writes(emulator) == [
        ("PATCH", [{"op": "replace", "path": "/ha1", "value": _ha1("phone-1", password)}])
    ]
    assert _server_ha1(emulator) == _ha1("phone-1", password)
    assert harness.preview(_credentials_program()).changes == {}
    assert password not in state_text(tmp_path)


def _old_release_state(harness: Harness, emulator: EmulatorClient, password: str) -> None:
    """Turn the recorded device into what the earlier release wrote: the (derived) password as an output
    only, no keepers; the server's ha1 made from that password."""
    state = harness.state
    res = state.by_name("sip")
    res.inputs = {k: v for k, v in res.inputs.items() if k not in ("sip_password", "sip_password_keepers")}
    res.outputs = {k: v for k, v in res.outputs.items() if k != "sip_password_keepers"}
    res.outputs["sip_password"] = Secret(password)
    harness.store.save(state)
    ha1 = _ha1("phone-1", password)
    emulator.ok("PATCH", f"{URL}/phone-1", json=[{"op": "replace", "path": "/ha1", "value": ha1}])


def test_state_of_the_earlier_release_keeps_its_password(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(_credentials_program("a"))
    legacy = _legacy_password(DOMAIN, "phone-1")
    _old_release_state(harness, emulator, legacy)

    assert harness.preview(_credentials_program("a")).changes == {}
    assert harness.refresh().kinds == {"sip": "same"}
    assert legacy not in state_text(tmp_path)  # refresh left it out of the (unencrypted) inputs
    assert harness.up(_credentials_program("a")).changes == {}
    emulator.clear_requests()
    result = harness.up(_credentials_program("b"))
    assert result.changes == {"sip": "update"}
    assert result.plain_outputs["sip_password"] == legacy
    assert _device_writes(emulator) == [("PATCH", [{"op": "replace", "path": "/description", "value": "b"}])]
    assert _server_ha1(emulator) == _ha1("phone-1", legacy)
    assert harness.refresh().kinds == {"sip": "same"}
    assert harness.preview(_credentials_program("b")).changes == {}
    assert legacy not in state_text(tmp_path)
    # Keepers rotate it like any other generated password.
    rotated = harness.up(_credentials_program("b", sip_password_keepers={"v": 1})).plain_outputs["sip_password"]
    assert rotated != legacy
    assert _server_ha1(emulator) == _ha1("phone-1", rotated)


def test_lost_create_response_keeps_the_password_check_chose(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator, {"iotcomms:maxRetries": "1"}))
    emulator.faults(apply_then_fail_rate=1.0)  # every write is applied, then answered 502
    result = harness.up(_credentials_program())
    emulator.faults()
    password = result.plain_outputs["sip_password"]
    (create,) = result.calls_for("Create")
    assert create.request["properties"]["sip_password"] == password  # chosen before the first write
    puts = [body for method, body in _device_writes(emulator) if method == "PUT"]
    assert len(puts) >= 2  # the write was repeated...
    assert {body["ha1"] for body in puts} == {_ha1("phone-1", password)}  # ...with the same password
    assert _server_ha1(emulator) == _ha1("phone-1", password)
    assert harness.preview(_credentials_program()).changes == {}


def test_serialized_provider_is_small_and_holds_no_credential(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(_credentials_program("a"))
    provider = harness.state.by_name("sip").outputs["__provider"]
    raw = provider.value if isinstance(provider, Secret) else provider
    blob = base64.b64decode(raw)
    assert len(raw) < 1024
    assert TOKEN.encode() not in blob
    assert emulator.url.encode() not in blob


def _program(**overrides: Any) -> Any:
    return lambda: Device("d", domain=DOMAIN, **{**INPUTS, **overrides})


def _seed(emulator: EmulatorClient, **overrides: Any) -> None:
    wire: dict[str, Any] = {
        "deviceId": "unit-1",
        "authType": "deviceid",
        "deviceType": "alarmUnit",
        "description": "first",
    }
    wire["serviceData"] = INPUTS["service_data"]
    emulator.ok("PUT", URL, json={**wire, **overrides})


def test_create_refuses_an_equal_existing_device_unless_adopting(emulator: EmulatorClient, tmp_path: Path) -> None:
    _seed(emulator)
    emulator.clear_requests()
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    with pytest.raises(Exception, match=r"(?s)identical to this declaration.*adopt=True"):
        harness.up(_program())
    assert harness.up(_program(adopt=True)).changes == {"d": "create"}
    assert [r for r in emulator.requests() if r["method"] != "GET"] == []


def test_create_refuses_a_different_existing_device(emulator: EmulatorClient, tmp_path: Path) -> None:
    _seed(emulator, description="owned by another team")
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    with pytest.raises(Exception, match=r"(?s)differs in: description.*adopt=True"):
        harness.up(_program())
    assert emulator.ok("GET", f"{URL}/unit-1")["description"] == "owned by another team"
    assert harness.state.resources == {}


def test_adopt_true_converges_the_existing_device(emulator: EmulatorClient, tmp_path: Path) -> None:
    _seed(emulator, description="owned by another team")
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    assert harness.up(_program(adopt=True)).changes == {"d": "create"}
    assert emulator.ok("GET", f"{URL}/unit-1")["description"] == "first"
    assert harness.preview(_program(adopt=True)).changes == {}


def test_check_failure_names_the_property(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    bad = {"alarmBridge": {"heartbeatInterval": 1000}}
    with pytest.raises(Exception, match=r"service_data\.alarmBridge\.heartbeatInterval"):
        harness.preview(_program(service_data=bad))
    assert emulator.requests() == []


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_numbers_in_free_form_json_fail_check_naming_the_path(
    emulator: EmulatorClient, tmp_path: Path, bad: float
) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    with pytest.raises(CheckFailedError) as info:
        harness.preview(_program(service_data={"alarmBridge": {"x": bad}}))
    assert info.value.failures == [
        ("service_data.alarmBridge.x", "must be a finite number: JSON has no NaN or Infinity")
    ]

    def mapper() -> None:
        AlarmEventMapper(
            "arc",
            domain=DOMAIN,
            name="arc",
            alarm_handling="drop",
            target_endpoint={"protocol": "scaip"},
            mapping_rules={"scaip": [{"priority": bad}]},
        )

    with pytest.raises(CheckFailedError) as info:
        harness.preview(mapper)
    assert [p for p, _ in info.value.failures] == ["mapping_rules.scaip[0].priority"]
    assert emulator.requests() == []


def test_missing_credentials_name_the_config_key(emulator: EmulatorClient, tmp_path: Path) -> None:
    config = {"iotcomms:endpoint": emulator.url}
    harness = Harness(state_dir=tmp_path, config=config, env={"IOTCOMMS_TOKEN": ""})
    with pytest.raises(Exception, match="iotcomms:token"):
        harness.up(_program())
    assert emulator.requests() == []


def test_domain_defaults_to_config(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config={**config_for(emulator), "iotcomms:domain": DOMAIN})
    harness.up(lambda: Device("d", device_id="unit-5", auth_type="deviceid"))
    assert harness.state.by_name("d").id == f"{DOMAIN}/unit-5"
    emulator.ok("GET", f"{URL}/unit-5")


# -- DeviceProvider against the emulator ------------------------------------------------------------

CREDENTIALS: dict[str, Any] = {"device_id": "phone-1", "auth_type": "credentials"}


@pytest.fixture
def provider(emulator: EmulatorClient) -> DeviceProvider:
    provider = DeviceProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    return provider


def _checked(provider: DeviceProvider, olds: dict[str, Any] | None = None, **inputs: Any) -> dict[str, Any]:
    result = provider.check(olds or {}, {"resource_name": "sip", **inputs})
    assert [(f.property, f.reason) for f in result.failures] == []
    return dict(result.inputs)


def test_check_picks_the_password_once_and_keeps_it(provider: DeviceProvider) -> None:
    first = _checked(provider, **CREDENTIALS)
    password = first["sip_password"]
    assert len(password) >= 24
    assert first["sip_password_keepers"] == {}
    assert _checked(provider, first, **CREDENTIALS, description="x")["sip_password"] == password
    assert _checked(provider, **CREDENTIALS)["sip_password"] != password  # a new device: a new password
    keepers = _checked(provider, first, **CREDENTIALS, sip_password_keepers={"v": 1.0})
    assert keepers["sip_password"] != password
    assert (
        _checked(provider, keepers, **CREDENTIALS, sip_password_keepers={"v": 1})["sip_password"]
        == (keepers["sip_password"])
    )
    assert "sip_password" not in _checked(provider, first, **CREDENTIALS, ha1="a" * 32)
    assert "sip_password" not in _checked(provider, first, device_id="phone-1", auth_type="deviceid")
    assert _checked(provider, first, **CREDENTIALS, password="Mine-1")["sip_password"] == "Mine-1"
    assert _checked(provider, first, **{**CREDENTIALS, "device_id": "phone-2"})["sip_password"] != password


@pytest.mark.parametrize(
    ("inputs", "path", "says"),
    [
        ({**CREDENTIALS, "password": "pw", "ha1": "a" * 32}, "password", "either password"),
        ({**CREDENTIALS, "sip_password": "mine"}, "sip_password", "give password to choose"),
        ({**CREDENTIALS, "sip_password_keepers": "v1"}, "sip_password_keepers", "must be a map"),
    ],
    ids=["password-and-ha1", "sip-password-is-an-output", "keepers-not-a-map"],
)
def test_check_names_what_cannot_be_a_sip_password(
    provider: DeviceProvider, inputs: dict[str, Any], path: str, says: str
) -> None:
    failures = provider.check({}, {"resource_name": "sip", **inputs}).failures
    assert [f.property for f in failures] == [path]
    assert says in failures[0].reason


def test_the_server_gets_the_password_only_as_its_ha1(provider: DeviceProvider, emulator: EmulatorClient) -> None:
    inputs = _checked(provider, **CREDENTIALS)
    result = provider.create(inputs)
    outs = dict(result.outs or {})
    assert outs["sip_password"] == inputs["sip_password"]
    assert _server_ha1(emulator) == _ha1("phone-1", inputs["sip_password"])
    assert provider.diff(result.id, outs, inputs).changes is False
    read = provider.read(result.id, outs)
    assert (read.inputs, read.outs) == (inputs, outs)  # no drift: nothing changes, no ha1 among the inputs


def test_state_of_the_earlier_release_needs_no_derivation(provider: DeviceProvider, emulator: EmulatorClient) -> None:
    """The earlier release recorded {domain, device_id, auth_type} as inputs and its derived password as
    the output ``sip_password``; any password there is kept, however it was made."""
    assert not hasattr(DeviceProvider, "_sip_password")  # the HMAC derivation is gone
    legacy = "Whatever-The-Old-Release-Made-1"
    emulator.ok("PUT", URL, json={"deviceId": "phone-1", "authType": "credentials", "ha1": _ha1("phone-1", legacy)})
    old_inputs = {"domain": DOMAIN, **CREDENTIALS}
    old_outputs = {**old_inputs, "heartbeat_status": "offline", "heartbeat_expiration": 0, "sip_password": legacy}
    pulumi_id = f"{DOMAIN}/phone-1"

    news = _checked(provider, old_inputs, **CREDENTIALS)
    assert "sip_password" not in news  # unknown to check: the outputs have it
    assert provider.diff(pulumi_id, old_outputs, news).changes is False
    read = provider.read(pulumi_id, old_outputs)
    assert read.inputs == old_inputs  # never moved into the inputs the engine would store in plaintext
    assert (read.outs or {})["sip_password"] == legacy

    emulator.clear_requests()
    updated = provider.update(pulumi_id, old_outputs, {**news, "description": "b"})
    assert writes(emulator) == [("PATCH", f"{URL}/phone-1", [{"op": "add", "path": "/description", "value": "b"}])]
    assert (updated.outs or {})["sip_password"] == legacy
    assert _server_ha1(emulator) == _ha1("phone-1", legacy)

    rotated = _checked(provider, old_inputs, **CREDENTIALS, sip_password_keepers={"v": 1})
    assert rotated["sip_password"] != legacy
    assert provider.diff(pulumi_id, old_outputs, rotated).changes is True


def test_service_data_docstring_states_what_is_checked() -> None:
    """DECISIONS["device.service_data"]: the sample keys of alarmBridge are checked, other keys pass through."""
    doc = " ".join((inspect.getdoc(Device.__init__) or "").split())
    assert "The documented keys of ``alarmBridge`` are checked" in doc
    assert "other keys pass through unchecked" in doc
    assert "No number may be NaN or infinite" in doc
