"""Device through the engine protocol: lifecycle, generated SIP password, adopt guard, serialized provider."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_iotcomms import Device
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.harness import Harness, Secret
from tests.harness.scenario import HarnessRunner, run_scenario
from tests.resources._lifecycle import Lifecycle, config_for, lifecycle_scenario, state_text

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


def test_replace_of_auth_type_deletes_first(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(lambda: Device("d", domain=DOMAIN, device_id="unit-9", auth_type="deviceid"))
    result = harness.up(lambda: Device("d", domain=DOMAIN, device_id="unit-9", auth_type="credentials"))
    assert result.changes == {"d": "replace"}
    assert [c.method for c in result.calls if c.method in ("Create", "Delete")] == ["Delete", "Create"]


def _credentials_program(description: str) -> Any:
    def run() -> None:
        device = Device("sip", domain=DOMAIN, device_id="phone-1", auth_type="credentials", description=description)
        pulumi.export("sip_password", device.sip_password)

    return run


def test_generated_password_is_secret_and_never_regenerated(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    first = harness.up(_credentials_program("a"))
    exported = first.outputs["sip_password"]
    assert isinstance(exported, Secret)
    password = exported.value
    ha1 = emulator.ok("GET", f"{URL}/phone-1")["ha1"]
    assert ha1 == hashlib.md5(f"phone-1:{DOMAIN}:{password}".encode(), usedforsecurity=False).hexdigest()
    assert password not in state_text(tmp_path)
    assert "sip_password" in harness.state.by_name("sip").secret_outputs

    second = harness.up(_credentials_program("b"))
    assert second.changes == {"sip": "update"}
    assert second.plain_outputs["sip_password"] == password
    assert emulator.ok("GET", f"{URL}/phone-1")["ha1"] == ha1
    harness.refresh()
    assert harness.up(_credentials_program("b")).plain_outputs["sip_password"] == password


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


def test_create_adopts_an_equal_existing_device(emulator: EmulatorClient, tmp_path: Path) -> None:
    _seed(emulator)
    emulator.clear_requests()
    result = Harness(state_dir=tmp_path, config=config_for(emulator)).up(_program())
    assert result.changes == {"d": "create"}
    assert [r for r in emulator.requests() if r["method"] != "GET"] == []


def test_create_refuses_a_different_existing_device(emulator: EmulatorClient, tmp_path: Path) -> None:
    _seed(emulator, description="owned by another team")
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    with pytest.raises(Exception, match=r"differs in: description.*adopt=True"):
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
