"""A short seeded fault campaign over the mixed 20-resource stack (the full one: bench/reliability_report.py)."""

from __future__ import annotations

from pathlib import Path

from tests.emulator_client import EmulatorClient
from tests.reliability.campaign import run_campaign


def test_campaign_converges_with_no_orphans_duplicates_or_leftovers(emulator: EmulatorClient, tmp_path: Path) -> None:
    figures = run_campaign(emulator, tmp_path, cycles=3, seed=7)
    assert sum(figures.faults.values()) > 20, figures.faults  # the campaign really injected faults
    assert figures.ok(), figures
    assert figures.orphans == figures.missing == figures.duplicates == figures.leftovers == 0
    assert figures.secrets_found == 0
    assert emulator.objects().get("acme.example", {}).keys() <= {"notificationsettings", "siprecservice"}
