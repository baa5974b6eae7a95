"""NotificationSettings through the engine protocol: take over, PUT updates, destroy restores the earlier ones."""

from pathlib import Path

from pulumi_iotcomms import NotificationSettings
from tests.emulator_client import EmulatorClient
from tests.harness.scenario import HarnessRunner, run_scenario
from tests.resources._lifecycle import lifecycle_scenario
from tests.resources._settings_lifecycle import settings_lifecycle


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    life = settings_lifecycle(NotificationSettings, "notificationsettings", emulator)
    run_scenario(lifecycle_scenario(life, emulator), HarnessRunner(), tmp_path)
