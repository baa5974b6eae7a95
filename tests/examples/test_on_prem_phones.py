"""examples/on-prem-phones through the engine-protocol harness, against an emulator serving both the iotcomms
and the provd API (with digest auth): its own stack config (Pulumi.dev.yaml) aimed at that emulator.

preview (nothing sent to provd, nothing created) → up (plugins installed, NAT and locale set, the phones'
devices created) → second preview empty → a new polycom version: upgraded in place → refresh clean →
destroy: plugins uninstalled, parameters put back, devices deleted. ``tests/automation`` runs the same
scenario through the real engine."""

from __future__ import annotations

from pathlib import Path

from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioStep,
    StepOutcome,
    run_scenario,
)
from tests._provd import INSTALL, PASSWORD, ProvdClient, monitors, provd, provd_config, provd_server
from tests.emulator_client import DOMAIN, TOKEN
from tests.examples._projects import REPO, Project
from tests.examples._scenarios import tenant_objects
from tests.resources._lifecycle import state_text

__all__ = ["on_prem_phones_scenario", "provd", "provd_server"]  # the fixtures and the scenario

DIRECTORY = "examples/on-prem-phones"
PHONES = ("reception-1", "warehouse-1")


def on_prem_phones_scenario(provd: ProvdClient) -> Scenario:
    """The example's scenario against ``provd`` (reset)."""
    project = Project(REPO / DIRECTORY)
    config = {**project.test_config("dev", provd, DOMAIN, TOKEN), **provd_config(provd)}
    before = provd.snapshot()
    everything = {name: "create" for name in ("polycom", "cisco", "nat", "locale", *PHONES)}

    def clear(_ctx: ScenarioContext) -> None:
        provd.clear_requests()

    def nothing_sent(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert provd.provd_requests() == []
        assert tenant_objects(provd) == {}

    def deployed(outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert {"xivo-polycom-4.0.4", "xivo-cisco-spa-7.5.5"} <= set(provd.installed())
        assert (provd.param("NAT"), provd.param("locale")) == (1, "fr_FR")
        devices = tenant_objects(provd)[DOMAIN]["device"]
        assert sorted(devices) == list(PHONES)
        assert monitors(provd) == []
        assert outcome.outputs["plugin_versions"] == {"polycom": "1.0", "cisco": "1.0"}

    def upgraded(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        installed = provd.installed()
        assert "xivo-polycom-4.0.9" in installed
        assert "xivo-polycom-4.0.4" not in installed
        assert [w for w in provd.provd_writes() if w[0] == "POST"] == [
            ("POST", f"{INSTALL}/upgrade", {"id": "xivo-polycom-4.0.9"})
        ]

    def gone(_outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert provd.snapshot() == before
        assert tenant_objects(provd) == {}
        assert PASSWORD not in state_text(ctx.workdir)

    def plugins(polycom: str) -> dict[str, str]:
        return {"polycom": polycom, "cisco": "xivo-cisco-spa-7.5.5"}

    steps = [
        ScenarioStep("preview", project.program, expect=everything, before=clear, check=nothing_sent, label="preview"),
        ScenarioStep("up", expect=everything, check=deployed, label="up"),
        ScenarioStep("preview", expect={}, label="second preview is empty"),
        ScenarioStep(
            "up",
            expect={"polycom": "update"},
            before=clear,
            check=upgraded,
            config={f"{project.name}:plugins": plugins("xivo-polycom-4.0.9")},
            label="a new polycom version is upgraded in place",
        ),
        ScenarioStep("refresh", expect={}, label="refresh clean"),
        ScenarioStep("destroy", expect={name: "delete" for name in everything}, check=gone, label="destroy"),
    ]
    return Scenario(name="example-on-prem-phones", steps=steps, config=lambda _w: config, project=project.name)


def test_on_prem_phones(provd: ProvdClient, tmp_path: Path) -> None:
    run_scenario(on_prem_phones_scenario(provd), HarnessRunner(), tmp_path)
