"""The Alvaria trigger's lifecycle and the contact-centre example through the harness and the real engine,
compared step by step; each step's own checks (the exact requests the emulator logged) run under both."""

from __future__ import annotations

from pathlib import Path

from pulumi_iotcomms.testing.automation import engine_required
from tests._alvaria import AlvariaClient, alvaria, alvaria_server
from tests.automation.differential import run_differential
from tests.examples._scenarios import tenant_objects
from tests.examples.test_contact_centre_trigger import contact_centre_scenario
from tests.resources.test_autofacilitate_trigger import trigger_scenario

__all__ = ["alvaria", "alvaria_server"]  # the fixtures

pytestmark = engine_required()


def test_trigger_lifecycle_with_real_engine(alvaria: AlvariaClient, tmp_path: Path) -> None:
    # The server: how many executions it has seen (each run starts from a reset emulator).
    run_differential(
        lambda: trigger_scenario(alvaria), tmp_path, emulator=alvaria, server=lambda _ctx: alvaria.control()["triggers"]
    )


def test_contact_centre_example_with_real_engine(alvaria: AlvariaClient, tmp_path: Path) -> None:
    run_differential(
        lambda: contact_centre_scenario(alvaria),
        tmp_path,
        emulator=alvaria,
        server=lambda _ctx: (tenant_objects(alvaria), alvaria.control()["triggers"]),
    )
