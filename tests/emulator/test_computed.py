"""Fields the wire models mark ``COMPUTED`` are the server's: the emulator ignores client values for them."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms.api._schema import WireModel, behaviour, validate_wire
from pulumi_iotcomms.api.device import Device
from pulumi_iotcomms.api.site import HostCommission
from pulumi_iotcomms.emulator.provisioning.services import MODELS
from tests.emulator.samples import DEVICES, SERVICE_MINIMAL, SITES, P
from tests.emulator_client import DOMAIN, EmulatorClient

JUNK = ("set-by-the-client", 424242)


def computed(model: type[WireModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items() if behaviour(model, n).computed]


def with_junk(model: type[WireModel], body: dict[str, Any]) -> dict[str, Any]:
    """``body`` plus a value of the right type for every computed field, one the server never sets."""
    out = dict(body)
    for name in computed(model):
        out[name] = next(v for v in JUNK if validate_wire(model, {**out, name: v})[0] is not None)
    return out


def kept_junk(model: type[WireModel], got: dict[str, Any]) -> set[str]:
    return {k for k in computed(model) if got.get(k) in JUNK}


def test_device_computed_fields_are_the_servers(emulator: EmulatorClient) -> None:
    assert computed(Device)
    emulator.ok("PUT", DEVICES, json=with_junk(Device, {"deviceId": "d1", "authType": "deviceid"}))
    got = emulator.ok("GET", f"{DEVICES}/d1")
    assert not kept_junk(Device, got), got


@pytest.mark.parametrize("kind", [k for k, m in MODELS.items() if computed(m)])
def test_service_computed_fields_are_the_servers(emulator: EmulatorClient, kind: str) -> None:
    emulator.ok("POST", f"{P}/{kind}/{DOMAIN}", json=with_junk(MODELS[kind], {**SERVICE_MINIMAL[kind], "id": "a"}))
    got = emulator.ok("GET", f"{P}/{kind}/{DOMAIN}/a")[kind]
    assert not kept_junk(MODELS[kind], got), got


def test_host_computed_fields_are_reported_and_set_only_by_the_admin_knob(emulator: EmulatorClient) -> None:
    emulator.ok("POST", f"{SITES}/s1/host/h1", json={})
    host = emulator.ok("GET", SITES)["data"]["s1"]["hosts"]["h1"]
    assert set(computed(HostCommission)) <= set(host)
    emulator.set_host("s1", "h1", state="active", activeCalls=2)
    resp = emulator.http.put(f"/_emulator/hosts/{DOMAIN}/s1/h1", json={"networkPrefixLength": 24})
    assert resp.status_code == 400, resp.text
