"""The export round trip through the real engine: the project ``iotcomms-export`` writes, its secrets set
by running the very ``pulumi config set --secret`` lines it prints; the preview plans only adoptions, ``up``
writes nothing to the tenant, and a second preview is empty (as through the harness, tests/export)."""

from __future__ import annotations

import shlex
from pathlib import Path

from pulumi_iotcomms.export import secret_lines
from pulumi_iotcomms.testing.automation import AutomationRunner, engine_required
from pulumi_iotcomms.testing.harness.scenario import run_scenario
from tests.emulator_client import EmulatorClient
from tests.export._tenant import run_export, seed
from tests.export.test_round_trip import FLEET_DEVICES, adoption_scenario

pytestmark = engine_required()


def test_exported_project_adopts_the_tenant_with_the_real_engine(emulator: EmulatorClient, tmp_path: Path) -> None:
    seed(emulator, FLEET_DEVICES)
    before = emulator.objects()
    out = tmp_path / "project"
    project = run_export(emulator, out)
    runner = AutomationRunner()

    def set_secrets() -> None:
        for line in secret_lines(project.secrets, "dev", show=True):
            words = shlex.split(line)
            assert words[:5] == ["pulumi", "config", "set", "--stack", "dev"]
            runner.cli(*words[1:3], *words[5:])  # the runner adds --stack itself

    run_scenario(adoption_scenario(out, project, emulator, set_secrets), runner, tmp_path / "run")
    assert emulator.objects() == before
