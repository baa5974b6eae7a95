"""The provd lifecycles of ``tests/resources/_provd_lifecycle.py`` and the on-prem-phones example through the
harness and the real engine, compared step by step (:mod:`tests.automation.differential`). Skipped when the
``pulumi`` CLI is not installed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_iotcomms.testing.automation import engine_required
from pulumi_iotcomms.testing.harness.scenario import Scenario
from tests._provd import FAST, ProvdClient, provd, provd_server
from tests.automation.differential import run_differential
from tests.examples._scenarios import tenant_objects
from tests.examples.test_on_prem_phones import on_prem_phones_scenario
from tests.resources._provd_lifecycle import config_param_scenario, plugin_scenario

__all__ = ["provd", "provd_server"]

pytestmark = engine_required()


@pytest.mark.parametrize("make", [plugin_scenario, config_param_scenario], ids=["ProvdPlugin", "ProvdConfigParam"])
def test_lifecycle_with_real_engine(
    make: Callable[[ProvdClient], Scenario], provd: ProvdClient, tmp_path: Path
) -> None:
    # The server is the installed packages and the configuration; each run starts from a reset emulator.
    run_differential(
        lambda: make(provd),
        tmp_path,
        emulator=provd,
        server=lambda _ctx: provd.snapshot(),
        reset=lambda: _fast(provd),
    )


def test_on_prem_phones_example_with_real_engine(provd: ProvdClient, tmp_path: Path) -> None:
    # The server is the provd state and the tenant's objects (generated SIP passwords differ per run: masked).
    run_differential(
        lambda: on_prem_phones_scenario(provd),
        tmp_path,
        emulator=provd,
        server=lambda _ctx: (provd.snapshot(), sorted(tenant_objects(provd).get("acme.example", {}).get("device", {}))),
        reset=lambda: _fast(provd),
    )


def _fast(provd: ProvdClient) -> None:
    """After the emulator's reset (back to the default pace): the fast pace of the provd tests."""
    provd.control(stepSeconds=FAST)
