"""``pulumi preview --diff`` on a nested change shows the changed property path.

The SDK's dynamic ``DiffResult`` carries no detailed diff (only changes/replaces/stables/
delete_before_replace), so the dynamic-provider host sends none and the engine shows its own diff of
the old and new inputs: nested paths included, as this test asserts with the real CLI.
"""

from __future__ import annotations

import re
from pathlib import Path

from pulumi import automation as auto

from pulumi_iotcomms.testing.automation import AutomationRunner, engine_required
from pulumi_iotcomms.testing.harness.scenario import Scenario, ScenarioStep
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.resources._lifecycle import config_for

pytestmark = engine_required()

PROGRAM = """
import pulumi
from pulumi_iotcomms import Device

config = pulumi.Config()
Device(
    "unit",
    domain="{domain}",
    device_id="unit-1",
    auth_type="deviceid",
    device_type="alarmUnit",
    service_data={{"alarmBridge": {{"heartbeatInterval": config.require_int("heartbeat"), "alarmProtocol": "scaip"}}}},
)
"""


def test_preview_diff_shows_the_nested_path(emulator: EmulatorClient, tmp_path: Path) -> None:
    program = tmp_path / "program"
    program.mkdir()
    (program / "__main__.py").write_text(PROGRAM.format(domain=DOMAIN))
    config = {**config_for(emulator), "iotcomms-diff:heartbeat": 300000}
    scenario = Scenario(
        "preview-diff", [ScenarioStep("up", program)], config=lambda _w: config, project="iotcomms-diff"
    )
    runner = AutomationRunner()
    runner.open(scenario, tmp_path)
    try:
        assert runner.run(scenario.steps[0]).changes == {"unit": "create"}
        assert runner.stack is not None
        runner.stack.set_config("iotcomms-diff:heartbeat", auto.ConfigValue("600000"))
        emulator.clear_requests()
        shown = runner.cli("preview", "--diff")
        assert [r for r in emulator.requests() if r["method"] != "GET"] == []
        assert re.search(r"~ pulumi-python:dynamic/iotcomms:Device: \(update\)", shown), shown
        # The changed leaf under its path, its unchanged sibling without a marker, nothing else changed.
        nested = (
            r"~ service_data: \{\s*~ alarmBridge: \{\s*"
            r"alarmProtocol *: \"scaip\"\s*~ heartbeatInterval: 300000 => 600000"
        )
        assert re.search(nested, shown), shown
        changed = re.findall(r"^\s*~ ([A-Za-z_]\w*)", shown, re.MULTILINE)
        assert changed == ["pulumi", "service_data", "alarmBridge", "heartbeatInterval"], shown
        assert runner.run(ScenarioStep("destroy")).error is None
    finally:
        runner.close()
