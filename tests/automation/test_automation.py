"""The toy scenarios of tests/test_harness.py, through the harness and the real Pulumi engine, compared.

Skipped when the ``pulumi`` CLI is not installed (failed under ``make e2e``): the harness is then
the only engine-protocol check (see ``pulumi_iotcomms/testing/harness/__init__.py`` for what it does not cover).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms.testing.automation import engine_required
from pulumi_iotcomms.testing.harness.scenario import Scenario, ScenarioContext
from tests.automation.differential import masked, run_differential
from tests.harness.toy_scenarios import alias_scenario, lifecycle_scenario, live_records, removal_scenario

pytestmark = engine_required()


def toy_store(ctx: ScenarioContext) -> Any:
    """The toy's live objects, generated ids and tokens masked, auto-names and references to ids
    replaced by the name of what they stand for."""
    live = live_records(ctx.workdir / "store")
    names = {str(record["id"]): ("<auto>" if name.startswith("toy-") else name) for name, (_, record) in live.items()}
    records = []
    for _path, record in live.values():
        ref = record.get("ref")
        records.append(
            {
                **masked(record),
                "id": "<generated>",
                "physical_name": names[str(record["id"])],
                "ref": names.get(str(ref), ref),
            }
        )
    return sorted(records, key=lambda r: (str(r["physical_name"]), str(r.get("value"))))


@pytest.mark.parametrize(
    "make", [lifecycle_scenario, removal_scenario, alias_scenario], ids=lambda f: f.__name__.removesuffix("_scenario")
)
def test_toy_scenario_with_real_engine(make: Callable[[], Scenario], tmp_path: Path) -> None:
    run_differential(make, tmp_path, server=toy_store)
