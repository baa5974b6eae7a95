"""AlarmEventMapper through the engine protocol: the acceptance lifecycle against the emulator."""

import dataclasses
from pathlib import Path

import tests.resources.test_alarm_event_mapper_provider as provider_tests
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import EmulatorClient
from tests.resources._lifecycle import from_case, lifecycle_scenario

TARGET = {**provider_tests.TARGET, "sip_auth_password": "Mapper-Secret-1905"}
BASE = from_case(provider_tests.TestAlarmEventMapperProvider.case, extra={"target_endpoint": TARGET})
LIFE = dataclasses.replace(
    BASE,
    update={"target_endpoint": {**TARGET, "backup_endpoint": {**provider_tests.BACKUP, "backup_dest_addr": "b"}}},
    secrets=("Mapper-Secret-1905",),
)


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(LIFE, emulator), HarnessRunner(), tmp_path)
