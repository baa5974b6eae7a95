"""The testing kit's assertions pass on what they claim and fail saying what happened instead."""

from __future__ import annotations

import pytest

from pulumi_iotcomms.testing import (
    EmulatorClient,
    StackResult,
    assert_changes,
    assert_no_changes,
    assert_no_writes,
    assert_requests,
    assert_tenant_empty,
)
from tests.emulator_client import DOMAIN

DEVICES = f"/provisioning/device/{DOMAIN}"


def result(**changes: str) -> StackResult:
    return StackResult("preview", "harness", dict(changes), {}, frozenset())


def test_changes() -> None:
    assert_no_changes(result())
    assert_changes(result(phone="create"), {"phone": "create"})
    with pytest.raises(AssertionError, match=r"^expected no changes; preview \(harness\): create phone, update trunk$"):
        assert_no_changes(result(trunk="update", phone="create"))
    with pytest.raises(AssertionError, match=r"^expected update phone; preview \(harness\): create phone$"):
        assert_changes(result(phone="create"), {"phone": "update"})


def test_writes(iotcomms_emulator: EmulatorClient) -> None:
    iotcomms_emulator.ok("GET", DEVICES)
    assert_no_writes(iotcomms_emulator)
    body = {"deviceId": "d1", "authType": "deviceid"}
    iotcomms_emulator.ok("PUT", DEVICES, json=body)
    with pytest.raises(AssertionError, match=f"expected no writes, the emulator received 1:\n  PUT {DEVICES} "):
        assert_no_writes(iotcomms_emulator)
    assert_requests(iotcomms_emulator, [("PUT", DEVICES)])
    assert_requests(iotcomms_emulator, [("PUT", DEVICES, body)])
    with pytest.raises(AssertionError, match=r"expected these writes:\n  DELETE .*\nthe emulator received:\n  PUT "):
        assert_requests(iotcomms_emulator, [("DELETE", f"{DEVICES}/d1")])
    with pytest.raises(AssertionError, match="the emulator received"):
        assert_requests(iotcomms_emulator, [])
    iotcomms_emulator.clear_requests()
    assert_requests(iotcomms_emulator, [])


def test_tenant_empty(iotcomms_emulator: EmulatorClient) -> None:
    assert_tenant_empty(iotcomms_emulator)
    iotcomms_emulator.ok("PUT", f"/provisioning/notificationsettings/{DOMAIN}", json={})  # empty settings: none
    assert_tenant_empty(iotcomms_emulator)
    iotcomms_emulator.ok("PUT", DEVICES, json={"deviceId": "left", "authType": "deviceid"})
    with pytest.raises(AssertionError, match=r'left or changed \{"device": \["left"\]\}'):
        assert_tenant_empty(iotcomms_emulator)
    assert_tenant_empty(iotcomms_emulator, before=iotcomms_emulator.tenant())
