"""MediaService through the engine protocol: the acceptance lifecycle against the emulator."""

from pathlib import Path

import tests.resources.test_media_service_provider as provider_tests
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import EmulatorClient
from tests.resources._lifecycle import from_case, lifecycle_scenario

LIFE = from_case(provider_tests.TestMediaServiceProvider.case, secrets=("s3cret",))


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(LIFE, emulator), HarnessRunner(), tmp_path)
