"""The export round trip: a varied tenant (every kind, 1,012 devices) exported, and the program run as the
CLI runs it through the engine-protocol harness: the preview plans only creates (adoptions), ``up``
sends no write, a second preview is empty, and a second export writes the same bytes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from pulumi_iotcomms.export.writer import Project
from pulumi_iotcomms.testing.harness import Secret
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioStep,
    StepOutcome,
    leaves,
    run_scenario,
)
from tests.emulator_client import TOKEN, EmulatorClient
from tests.export._tenant import SINGLE_DEVICES, run_export, seed
from tests.resources._lifecycle import clear_log, state_text, writes_nothing

FLEET_DEVICES = 1000


def files(directory: Path) -> dict[str, bytes]:
    """Every file of an exported project, by name."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def stack_config(out: Path, project: Project, stack: str = "dev", *, secrets: bool = True) -> dict[str, Any]:
    """The stack's config as a user sets it: the exported stack file, the token, and (``secrets``) every
    secret printed."""
    written = yaml.safe_load((out / f"Pulumi.{stack}.yaml").read_text())["config"]
    config: dict[str, Any] = {**written, "iotcomms:token": Secret(TOKEN)}
    for secret in project.secrets if secrets else ():
        text = secret.text()
        assert text is not None, f"{secret.key}: the tenant has every secret the program needs"
        config[secret.key] = Secret(text)
    return config


def adoption_scenario(
    out: Path, project: Project, emulator: EmulatorClient, set_secrets: Callable[[], None] | None = None
) -> Scenario:
    """preview (only creates, no write) → up (the same creates, no write) → preview (empty). ``set_secrets``
    sets the secrets before the first step (else they are part of the scenario's config)."""
    creates: Mapping[str, str] = {name: "create" for _kind, name in project.resources}
    assert len(creates) == len(project.resources), "resource names are unique across kinds in this tenant"
    clear, no_writes = clear_log(emulator), writes_nothing(emulator)
    name = str(yaml.safe_load((out / "Pulumi.yaml").read_text())["name"])

    def adopted(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        no_writes(outcome, ctx)
        # The state keeps every secret encrypted, and the fleet's devices plain (readable diffs).
        text = state_text(ctx.workdir)
        assert "Room 7" in text
        for secret in project.secrets:
            for value in leaves(secret.value):
                assert str(value) not in text, f"{secret.key} in plaintext in the state"

    def first(ctx: ScenarioContext) -> None:
        if set_secrets is not None:
            set_secrets()
        clear(ctx)

    return Scenario(
        name="export-round-trip",
        steps=[
            ScenarioStep("preview", out, expect=creates, before=first, check=no_writes, label="plans adoptions"),
            ScenarioStep("up", out, expect=creates, before=clear, check=adopted, label="up adopts, writing nothing"),
            ScenarioStep("preview", out, expect={}, label="second preview is empty"),
        ],
        config=lambda _workdir: stack_config(out, project, secrets=set_secrets is None),
        project=name,
    )


def test_export_adopts_every_object_without_a_write(emulator: EmulatorClient, tmp_path: Path) -> None:
    seed(emulator, FLEET_DEVICES)
    before = emulator.objects()
    out = tmp_path / "project"
    project = run_export(emulator, out)
    kinds = {kind for kind, _name in project.resources}
    assert kinds == {
        "NotificationSettings",
        "SiprecService",
        "CurrentUserProfile",
        "Trunk",
        "AlarmEventMapper",
        "AlarmBridge",
        "MediaService",
        "CloudSipUa",
        "IvrFallback",
        "SiteHost",
        "Device",
        "DeviceFleet",
    }
    assert not [note for note in project.notes if "will refuse" in note]
    # No secret reaches a file: every one is read from the stack config.
    written = b"".join(files(out).values()).decode()
    for secret in project.secrets:
        for value in leaves(secret.value):
            assert str(value) not in written, f"{secret.key} written in plaintext"
    fleet_rows = (out / "devices.csv").read_text().count("\n") - 1
    assert fleet_rows + project.declared["Device"] == FLEET_DEVICES + SINGLE_DEVICES
    # The program is what `ruff format` makes of it, and lint-clean.
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "format", "--isolated", "--check", str(out / "__main__.py")], check=True)
    subprocess.run([*ruff, "check", "--isolated", str(out / "__main__.py")], check=True)

    run_scenario(adoption_scenario(out, project, emulator), HarnessRunner(), tmp_path / "run")
    assert emulator.objects() == before

    again = tmp_path / "again"
    run_export(emulator, again)
    assert files(again) == files(out)
