"""Every example project, run as the Pulumi CLI would run it, through the engine-protocol harness.

Each example directory (and the root project, whose ``main`` is the quickstart) runs with the stack
config of its own ``Pulumi.<stack>.yaml``, except that endpoint, domain and token point at the test
emulator (``secure:`` placeholders get test secrets): the scenario of ``_scenarios.py`` (preview
writes nothing, up, no changes after, drift seen and corrected, config changes previewed and applied,
destroy gives the tenant back; bulk job records the service keeps are not part of the tenant).
The multi-environment example runs its dev and prod stacks side by side, in two tenants.
``tests/automation/test_examples.py`` runs the same through the real engine and compares.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.examples._projects import REPO, Project, project_dirs
from tests.examples._scenarios import EXAMPLES, SETTINGS, example_scenario, expected, side_by_side, tenant_objects

EARLIER_SETTINGS = {"alarmTopic": "arn:aws:sns:eu-north-1:123456789012:earlier"}
SETTINGS_URL = f"/provisioning/notificationsettings/{DOMAIN}"


#: Examples with a test of their own instead of the common scenario.
OWN_TESTS = {
    "examples/aws-alarm-topic": "tests/examples/test_aws_alarm_topic.py",
    "examples/contact-centre-trigger": "tests/examples/test_contact_centre_trigger.py",
    "examples/on-prem-phones": "tests/examples/test_on_prem_phones.py",
}


def test_every_project_is_covered() -> None:
    assert sorted([*EXAMPLES, *OWN_TESTS]) == project_dirs()
    assert all((REPO / test).is_file() for test in OWN_TESTS.values())


def seed_tenant(directory: str, emulator: EmulatorClient) -> bool:
    """Give the tenant settings of its own when the example takes settings over (destroy must give
    them back); whether it did."""
    if not expected(Project(REPO / directory), "dev")[0] & SETTINGS:
        return False
    emulator.ok("PUT", SETTINGS_URL, json=EARLIER_SETTINGS)
    return True


@pytest.mark.parametrize("directory", list(EXAMPLES))
def test_example_lifecycle(directory: str, emulator: EmulatorClient, tmp_path: Path) -> None:
    takes_over_settings = seed_tenant(directory, emulator)
    run_scenario(example_scenario(directory, "dev", emulator, DOMAIN, TOKEN), HarnessRunner(), tmp_path)
    if takes_over_settings:
        assert emulator.ok("GET", SETTINGS_URL) == EARLIER_SETTINGS
    else:
        assert tenant_objects(emulator) == {}


def test_multi_environment_stacks_side_by_side(emulator: EmulatorClient, tmp_path: Path) -> None:
    record = side_by_side(HarnessRunner, emulator, tmp_path)
    assert [step.label for step in record] == [
        "dev up",
        "prod up",
        "dev preview",
        "prod preview",
        "dev destroy",
        "prod preview",
        "prod destroy",
    ]
