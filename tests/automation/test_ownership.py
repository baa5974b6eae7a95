"""The ownership rules (``tests/reliability/_ownership_scenarios.py``) through the harness and the real
engine, compared step by step: renames without aliases and id swaps fail and delete nothing, adoption
happens only when asked, duplicate declarations fail the preview, aliased renames keep generated ids.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_iotcomms.testing.automation import engine_required
from pulumi_iotcomms.testing.harness.scenario import Scenario
from tests.automation.differential import run_differential
from tests.emulator_client import EmulatorClient
from tests.reliability._ownership_scenarios import SCENARIOS

pytestmark = engine_required()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_ownership_with_real_engine(name: str, emulator: EmulatorClient, tmp_path: Path) -> None:
    def make() -> Scenario:
        return SCENARIOS[name](emulator)

    run_differential(make, tmp_path, emulator=emulator)
