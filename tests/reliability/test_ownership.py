"""Ownership: two stacks declaring the same object id. The second one's create fails clearly without
writing anything, the first stack's object stays as it was, and only ``adopt=True`` takes it over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms import AlarmBridge, Device, Trunk
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.harness import ProviderError
from tests.reliability._util import harness, writes

SHARED: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "device": (Device, {"device_id": "shared-1", "auth_type": "deviceid"}),
    "trunk": (
        Trunk,
        {"trunk_id": "shared-1", "destination_target": "pbx.example.com", "destination_transport": "udp",
         "destination_match": "^46"},
    ),
    "alarm-bridge": (
        AlarmBridge,
        {"alarm_bridge_id": "shared-1", "name": "bridge", "protocol": "scaip", "protocol_mode": "dtmf",
         "destination_match": "^4610"},
    ),
}  # fmt: skip


def _program(kind: str, team: str, **extra: Any) -> Any:
    resource, inputs = SHARED[kind]
    return lambda: resource("shared", domain=DOMAIN, description=f"owned by {team}", **inputs, **extra)


@pytest.mark.parametrize("kind", list(SHARED))
def test_second_stack_is_refused_and_the_first_keeps_its_object(
    emulator: EmulatorClient, tmp_path: Path, kind: str
) -> None:
    first, second = harness(emulator, tmp_path / "a"), harness(emulator, tmp_path / "b")
    first.up(_program(kind, "team a"))
    before = emulator.objects()
    emulator.clear_requests()

    with pytest.raises(ProviderError) as info:
        second.up(_program(kind, "team b"))
    message = info.value.message
    assert "shared-1 already exists with a different configuration (differs in: description)" in message
    assert "adopt=True" in message
    assert writes(emulator) == []
    assert emulator.objects() == before
    assert second.state.resources == {}
    assert first.refresh().changes == {}

    emulator.clear_requests()
    adopted = second.up(_program(kind, "team b", adopt=True))
    assert adopted.changes == {"shared": "create"}
    assert [method for method, _ in writes(emulator)] == ["PATCH"]
    assert first.refresh().changes == {"shared": "refresh"}  # now the first stack sees the takeover
