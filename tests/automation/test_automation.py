"""The toy scenarios of tests/test_harness.py, run by the real Pulumi engine.

Skipped when the ``pulumi`` CLI is not installed: the harness is then the only
engine-protocol check (see ``tests/harness/__init__.py`` for what it does not cover).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.automation.runner import AutomationRunner, engine_required
from tests.harness.scenario import Scenario, run_scenario
from tests.harness.toy_scenarios import alias_scenario, lifecycle_scenario, removal_scenario

pytestmark = engine_required()


@pytest.mark.parametrize("scenario", [lifecycle_scenario(), removal_scenario(), alias_scenario()], ids=lambda s: s.name)
def test_toy_scenario_with_real_engine(scenario: Scenario, tmp_path: Path) -> None:
    run_scenario(scenario, AutomationRunner(), tmp_path)
