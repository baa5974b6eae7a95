"""Trunk through the engine protocol: the acceptance lifecycle against the emulator, removed credentials."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import tests.resources.test_trunk_provider as provider_tests
from pulumi_iotcomms import Trunk
from pulumi_iotcomms.testing.harness import Harness
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.resources._lifecycle import config_for, from_case, lifecycle_scenario

LIFE = from_case(
    provider_tests.TestTrunkProvider.case,
    extra={"user_name": "pbx", "realm": "sip.example.com", "password": "Trunk-Secret-4821"},
    secrets=("Trunk-Secret-4821",),
)


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(LIFE, emulator), HarnessRunner(), tmp_path)


def _trunk_program(**credentials: str) -> Callable[[], None]:
    inputs: dict[str, Any] = {**provider_tests.TestTrunkProvider.case.inputs, **credentials}

    def run() -> None:
        Trunk("t", domain=DOMAIN, trunk_id="pstn", **inputs)

    return run


def test_removed_credentials_never_leave_an_empty_preview_while_the_server_holds_them(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(_trunk_program(**provider_tests.CREDENTIALS))
    assert harness.preview(_trunk_program()).changes == {"t": "update"}
    emulator.clear_requests()
    assert harness.up(_trunk_program()).changes == {"t": "update"}
    patches = [sorted(op["path"] for op in r["body"]) for r in emulator.requests() if r["method"] == "PATCH"]
    assert patches == [["/ha1", "/realm", "/userName"]]
    doc = emulator.ok("GET", f"/provisioning/trunk/{DOMAIN}/pstn")["trunk"]
    assert {"userName", "realm", "ha1"} & set(doc) == set()
    assert harness.preview(_trunk_program()).changes == {}
    assert harness.refresh().changes == {}
