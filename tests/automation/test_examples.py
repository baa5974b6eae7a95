"""Every example project through the harness and the real engine, compared; the engine's own commands.

Each example's scenario (``tests/examples/_scenarios.py``) runs as a project directory, as the CLI
runs it, through both runners with the differential check; the multi-environment example's two
stacks run side by side in one backend through both, and agree. Then, engine only: ``pulumi stack
export`` holds none of the generated passwords and ``pulumi stack output --show-secrets`` shows them
-- the very passwords whose digests the server stores.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pulumi_iotcomms.testing.automation import AutomationRunner, engine_required
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, Scenario, ScenarioStep
from tests.automation.differential import compare, masked, run_differential
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.examples._scenarios import EXAMPLES, example_scenario, side_by_side, tenant_objects
from tests.examples.test_examples import seed_tenant

pytestmark = engine_required()


@pytest.mark.parametrize("directory", list(EXAMPLES))
def test_example_with_real_engine(directory: str, emulator: EmulatorClient, tmp_path: Path) -> None:
    def make() -> Scenario:
        seed_tenant(directory, emulator)
        return example_scenario(directory, "dev", emulator, DOMAIN, TOKEN)

    # The server compared: the tenant's objects (bulk job records carry random ids and times).
    run_differential(make, tmp_path, emulator=emulator, server=lambda _ctx: masked(tenant_objects(emulator)))


def test_multi_environment_side_by_side_with_real_engine(emulator: EmulatorClient, tmp_path: Path) -> None:
    ours = side_by_side(HarnessRunner, emulator, tmp_path / "harness")
    emulator.reset()
    theirs = side_by_side(AutomationRunner, emulator, tmp_path / "engine")
    compare("multi-environment side by side", ours, theirs)


def test_stack_export_hides_and_show_secrets_reveals_generated_passwords(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    scenario = example_scenario("examples/quickstart", "dev", emulator, DOMAIN, TOKEN)
    runner = AutomationRunner()
    runner.open(scenario, tmp_path)
    try:
        up = runner.run(ScenarioStep("up", scenario.steps[0].program))
        assert up.error is None, up.error
        names = ("desk_phone_sip_password", "softphone_sip_password")
        hidden = json.loads(runner.cli("stack", "output", "--json"))
        assert [hidden[name] for name in names] == ["[secret]", "[secret]"]
        shown = json.loads(runner.cli("stack", "output", "--json", "--show-secrets"))
        passwords = {name: shown[name] for name in names}
        assert all(isinstance(value, str) and len(value) >= 16 for value in passwords.values())
        # The passwords shown are the ones the server checks: ha1 = md5(device id:domain:password).
        devices = emulator.objects()[DOMAIN]["device"]
        for device_id, name in (("desk-phone-1", "desk_phone_sip_password"), ("softphone-1", "softphone_sip_password")):
            text = f"{device_id}:{DOMAIN}:{passwords[name]}"
            digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
            assert devices[device_id]["ha1"] == digest
        # `pulumi stack export`: the deployment, with every secret encrypted.
        exported = runner.cli("stack", "export")
        assert "::desk-phone" in exported
        for value in passwords.values():
            assert value not in exported
        assert TOKEN not in exported
        assert "4dabf18193072939515e22adb298388d" in exported  # the ciphertext marker of secret values
        assert runner.run(ScenarioStep("destroy")).error is None
    finally:
        runner.close()
    assert emulator.objects() == {}
