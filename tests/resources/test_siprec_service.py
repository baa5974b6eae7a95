"""SiprecService through the engine protocol: take over, update by PUT, restore the earlier settings on destroy."""

from pathlib import Path

from pulumi_iotcomms import SiprecService
from tests.emulator_client import EmulatorClient
from tests.harness.scenario import HarnessRunner, run_scenario
from tests.resources._lifecycle import lifecycle_scenario
from tests.resources._settings_lifecycle import settings_lifecycle


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    life = settings_lifecycle(SiprecService, "siprecservice", emulator)
    run_scenario(lifecycle_scenario(life, emulator), HarnessRunner(), tmp_path)
