"""examples/contact-centre-trigger through the engine-protocol harness, against an emulator serving both the
iotcomms and the Alvaria API: its own stack config (Pulumi.dev.yaml) aimed at that emulator.

preview (nothing sent to either API) → up (trunk created, the service executed once with the trunk's id and
target) → second preview empty → a new ``pbxTarget``: the trunk updated in place and the service executed again
(the trigger replaced) → destroy: trunk deleted, nothing sent to Alvaria. ``tests/automation`` runs the same
scenario through the real engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pulumi_iotcomms.api.alvaria import TOKEN_PATH
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioStep,
    StepOutcome,
    run_scenario,
)
from tests._alvaria import AlvariaClient, alvaria, alvaria_server, execute_path
from tests.emulator_client import DOMAIN, TOKEN
from tests.examples._projects import REPO, Project
from tests.examples._scenarios import tenant_objects
from tests.resources._lifecycle import writes_nothing
from tests.resources.test_autofacilitate_trigger import alvaria_config, calls

__all__ = ["alvaria", "alvaria_server", "contact_centre_scenario"]  # the fixtures and the scenario

DIRECTORY = "examples/contact-centre-trigger"
TRUNK, TRIGGER = "contact-centre-pbx", "announce-routing"


def contact_centre_scenario(alvaria: AlvariaClient) -> Scenario:
    """The example's scenario against ``alvaria`` (reset)."""
    project = Project(REPO / DIRECTORY)
    config = {**project.test_config("dev", alvaria, DOMAIN, TOKEN), **alvaria_config(alvaria)}
    alvaria.control(resultSeconds=0.3)
    target = project.program_config("dev")["pbxTarget"]

    def clear(_ctx: ScenarioContext) -> None:
        alvaria.clear_requests()

    def nothing_sent(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        writes_nothing(alvaria)(outcome, ctx)
        assert [c for c in calls(alvaria) if c[1] != TOKEN_PATH] == []

    def executed_with(pbx_target: str) -> Callable[[StepOutcome, ScenarioContext], None]:
        def check(outcome: StepOutcome, ctx: ScenarioContext) -> None:
            executes = [(r["body"], r["status"]) for r in alvaria.alvaria_requests() if r["path"] == execute_path()]
            parameters = {"trunk": outcome.outputs["trunk_id"], "target": pbx_target}
            callbacks = ["https://ops.example.com/callbacks/routing"]
            assert executes == [({"triggerParameters": parameters, "callbackUrls": callbacks}, 200)]
            assert outcome.outputs["trigger_status"] == "completed"

        return check

    def gone(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert calls(alvaria) == []
        assert tenant_objects(alvaria) == {}

    both = {TRUNK: "create", TRIGGER: "create"}
    moved = "pbx2.contact.example.com"
    steps = [
        ScenarioStep("preview", project.program, expect=both, before=clear, check=nothing_sent, label="preview"),
        ScenarioStep("up", expect=both, before=clear, check=executed_with(target), label="up"),
        ScenarioStep("preview", expect={}, before=clear, check=nothing_sent, label="second preview is empty"),
        ScenarioStep(
            "up",
            expect={TRUNK: "update", TRIGGER: "replace"},
            before=clear,
            check=executed_with(moved),
            config={f"{project.name}:pbxTarget": moved},
            label="new target executes again",
        ),
        ScenarioStep("refresh", expect={}, before=clear, label="refresh clean"),
        ScenarioStep("destroy", expect={TRUNK: "delete", TRIGGER: "delete"}, before=clear, check=gone, label="destroy"),
    ]
    return Scenario(name="example-contact-centre-trigger", steps=steps, config=lambda _w: config, project=project.name)


def test_contact_centre_trigger(alvaria: AlvariaClient, tmp_path: Path) -> None:
    run_scenario(contact_centre_scenario(alvaria), HarnessRunner(), tmp_path)
