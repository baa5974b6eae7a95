"""TestStack: the engine it chooses, and a function program's lifecycle through the fixture."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pytest

from pulumi_iotcomms import Device
from pulumi_iotcomms.testing import StackError, TestStack, assert_changes, assert_no_changes, choose_engine


def test_choose_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOTCOMMS_TEST_ENGINE", "harness")
    assert choose_engine() == "harness"
    assert choose_engine("harness") == "harness"
    with pytest.raises(ValueError, match="'harness' or 'pulumi'"):
        choose_engine("terraform")
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("IOTCOMMS_TEST_ENGINE")
    assert choose_engine() == "harness"  # no CLI: the harness
    with pytest.raises(RuntimeError, match="no `pulumi` CLI is on PATH"):
        choose_engine("pulumi")


def phone() -> None:
    config = pulumi.Config()
    Device("phone", device_id="kit-phone", auth_type="deviceid", description=config.get("description") or "desk")


def test_a_function_program(iotcomms_stack: Callable[..., TestStack], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOTCOMMS_TEST_ENGINE", "harness")
    stack = iotcomms_stack(phone)
    assert stack.engine == "harness"
    up = stack.up()
    assert (up.operation, up.engine, up.ok) == ("up", "harness", True)
    assert_changes(up, {"phone": "create"})
    assert_no_changes(stack.preview())
    assert_changes(stack.preview(config={"description": "hall"}), {"phone": "update"})
    assert_changes(stack.destroy(), {"phone": "delete"})


def test_a_failure_raises_or_is_returned(
    iotcomms_stack: Callable[..., TestStack], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IOTCOMMS_TEST_ENGINE", "harness")

    def broken() -> None:
        Device("phone", device_id="bad id with spaces", auth_type="deviceid")

    stack = iotcomms_stack(broken)
    with pytest.raises(StackError, match=r"^preview \(harness\): .*failed: .*device_id"):
        stack.preview()
    result = stack.preview(check=False)
    assert not result.ok
    assert "device_id" in str(result.error)


def test_options_reach_the_emulator() -> None:
    from pulumi_iotcomms.testing import EmulatorOptions, start_emulator

    options = EmulatorOptions(
        tenants={"a.example": "tok-a", "b.example": "tok-b"},
        provd_users=[("admin", "pw")],
        alvaria_clients=[("client", "secret")],
        alvaria_api_keys=["key"],
    )
    with start_emulator(options) as running:
        assert (running.client.domain, running.client.token) == ("a.example", "tok-a")
        assert running.client.call("GET", "/provisioning/device/b.example", token="tok-b").status_code == 200
        assert running.client.call("GET", "/provd/configure", auth=False).status_code == 401  # a user: auth needed
        assert running.emulator.alvaria_api_keys == ["key"]
