"""Every example project as a runner-independent :class:`~tests.harness.scenario.Scenario`.

The same scenario runs through the engine-protocol harness and, in ``tests/automation``, through the
real Pulumi engine (compared step by step): a preview that plans every resource and writes nothing;
``up`` creating them (secret exports secret, no secret in plaintext in the state); a second preview
and a refresh with nothing to do; an out-of-band edit and an out-of-band delete of one object, each
seen by refresh, shown by preview and corrected by ``up``; ``destroy`` leaving the tenant as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tests.resources.test_device as device
import tests.resources.test_site_host as site_host
from tests.automation.differential import Observed, masked
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient
from tests.examples._projects import REPO, Project
from tests.harness import Secret
from tests.harness.scenario import (
    Operation,
    Scenario,
    ScenarioContext,
    ScenarioRunner,
    ScenarioStep,
    StepOutcome,
    leaves,
)
from tests.resources._lifecycle import Lifecycle, clear_log, state_text, writes_nothing

SETTINGS = {"notifications"}
"""Resource names of per-tenant settings: they take over an existing object instead of adding one."""


def _quickstart(config: Mapping[str, Any]) -> set[str]:
    return {"office-pbx", "desk-phone", "softphone", "alarm-unit", "mobile-app", "welcome-ivr"}


def _arc(config: Mapping[str, Any]) -> set[str]:
    units = {f"alarm-unit-{n}" for n in range(1, int(config["alarmUnits"]) + 1)}
    return {"arc-mapper", "care-alarms", "notifications", *units}


def _hybrid(config: Mapping[str, Any]) -> set[str]:
    return {f"stockholm-{h}" for h in config["staticHosts"]} | {f"gothenburg-{h}" for h in config["dhcpHosts"]}


def _multi(config: Mapping[str, Any]) -> set[str]:
    phones = {f"phone-{n}" for n in range(1, int(config["phones"]) + 1)}
    trunks = {f"carrier-{n}" for n in range(1, len(config["trunkTargets"]) + 1)}
    return {"ivr", *phones, *trunks}


@dataclass(frozen=True)
class Touched:
    """The object a scenario edits and deletes out of band: resource name, local id, how."""

    name: str
    local_id: Callable[[Mapping[str, Any], str], str]
    """(program config, stack) -> the object's id in its collection."""
    life: Lifecycle


@dataclass(frozen=True)
class ConfigChange:
    """A change of the program's config (key without namespace -> value) and the step kinds it causes."""

    config: Mapping[str, Any]
    expect: Mapping[str, str]


@dataclass(frozen=True)
class Example:
    """What an example project declares and exports, and how its config changes it."""

    names: Callable[[Mapping[str, Any]], set[str]]
    """Resource names, from the program's config."""
    secret_exports: tuple[str, ...]
    touched: Touched
    update: ConfigChange | None = None
    """A config change that updates resources in place."""
    replace: ConfigChange | None = None
    """A config change that replaces resources."""


_QUICKSTART = Example(
    _quickstart,
    ("desk_phone_sip_password", "softphone_sip_password"),
    Touched("alarm-unit", lambda _c, _s: "alarm-unit-1", device.LIFE),
    update=ConfigChange({"appPassword": Secret("rotated-app-password")}, {"mobile-app": "update"}),
)
_UNITS = {f"alarm-unit-{n}": "replace" for n in (1, 2, 3)}
EXAMPLES: dict[str, Example] = {
    ".": _QUICKSTART,
    "examples/quickstart": _QUICKSTART,
    "examples/alarm-receiving-centre": Example(
        _arc,
        (),
        Touched("alarm-unit-1", lambda c, _s: f"{c['customerSiteId']}:controller-1:1", device.LIFE),
        # The signing secret: both objects that carry it are patched.
        update=ConfigChange(
            {"callbackSecret": Secret("rotated-callback-secret")}, {"care-alarms": "update", "notifications": "update"}
        ),
        # Another site: the units' ids change (replaced), the bridge's site is patched.
        replace=ConfigChange({"customerSiteId": "care-home-south"}, {"care-alarms": "update", **_UNITS}),
    ),
    "examples/hybrid-site": Example(
        _hybrid,
        (),
        Touched("stockholm-sbc-1", lambda _c, _s: "stockholm/sbc-1", site_host.LIFE),
        # Other addressing recommissions the static hosts.
        replace=ConfigChange({"prefixLength": 16}, {"stockholm-sbc-1": "replace", "stockholm-sbc-2": "replace"}),
    ),
    "examples/multi-environment": Example(
        _multi,
        ("sip_passwords",),
        Touched("phone-1", lambda _c, stack: f"{stack}-phone-1", device.LIFE),
        update=ConfigChange({"numberRange": "4656"}, {"carrier-1": "update", "ivr": "update"}),
    ),
}
"""Project directory (repository-relative) -> what it declares."""


def expected(project: Project, stack: str) -> tuple[set[str], tuple[str, ...]]:
    """The resource names ``stack`` of ``project`` declares, and its secret exports."""
    example = EXAMPLES[project.directory.relative_to(REPO).as_posix()]
    return example.names(project.program_config(stack)), example.secret_exports


def example_scenario(directory: str, stack: str, emulator: EmulatorClient, domain: str, token: str) -> Scenario:
    """The scenario of ``stack`` of the project in ``directory`` (repository-relative), in ``domain``.

    Build it when the emulator holds what the tenant has before (``destroy`` must give that back)."""
    project = Project(REPO / directory)
    names, secret_exports = expected(project, stack)
    touched = EXAMPLES[directory].touched
    local_id = touched.local_id(project.program_config(stack), stack)
    before = emulator.objects()
    config = project.test_config(stack, emulator, domain, token)
    secrets = [value.value for value in config.values() if isinstance(value, Secret)]

    def deployed(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        stored = sum(len(docs) for docs in emulator.objects().get(domain, {}).values())
        assert stored - sum(len(docs) for docs in before.get(domain, {}).values()) == len(names - SETTINGS)
        assert set(secret_exports) <= outcome.secret_outputs, (secret_exports, outcome.secret_outputs)
        text = state_text(ctx.workdir)
        assert f"::{sorted(names)[0]}" in text, f"no state under {ctx.workdir}"
        for value in secrets:
            assert value not in text, f"secret {value[:6]}... in plaintext state"
        for name in secret_exports:
            for leaf in leaves(outcome.outputs[name]):
                assert leaf, f"{name} has an empty secret"
                assert str(leaf) not in text, f"generated secret of {name} in plaintext state"

    def edit(_ctx: ScenarioContext) -> None:
        touched.life.edit(emulator, local_id)

    def remove(_ctx: ScenarioContext) -> None:
        assert touched.life.remove is not None
        touched.life.remove(emulator, local_id)

    def as_before(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert emulator.objects() == before

    name, kind = touched.name, touched.life.edit_kind
    steps = [
        ScenarioStep(
            "preview",
            project.program,
            expect=dict.fromkeys(names, "create"),
            before=clear_log(emulator),
            check=writes_nothing(emulator),
            label="preview writes nothing",
        ),
        ScenarioStep("up", expect=dict.fromkeys(names, "create"), check=deployed, label="up"),
        ScenarioStep("preview", expect={}, label="second preview is empty"),
        ScenarioStep("refresh", expect={}, label="refresh without drift"),
        ScenarioStep("refresh", expect={name: "refresh"}, before=edit, label="out-of-band edit"),
        ScenarioStep(
            "preview",
            expect={name: kind},
            before=clear_log(emulator),
            check=writes_nothing(emulator),
            label="drift in preview",
        ),
        ScenarioStep("up", expect={name: kind}, label="drift corrected"),
        ScenarioStep("refresh", expect={name: "drop"}, before=remove, label="out-of-band delete"),
        ScenarioStep("up", expect={name: "create"}, label="recreated"),
        ScenarioStep("preview", expect={}, label="converged"),
    ]
    example = EXAMPLES[directory]
    for label, change in (("update", example.update), ("replace", example.replace)):
        if change is not None:
            config_change = {f"{project.name}:{key}": value for key, value in change.config.items()}
            steps += [
                ScenarioStep("up", config=config_change, expect=change.expect, label=f"config {label}"),
                ScenarioStep("preview", expect={}, label=f"after the {label}, converged"),
            ]
    steps.append(ScenarioStep("destroy", expect=dict.fromkeys(names, "delete"), check=as_before, label="destroy"))
    return Scenario(
        name=f"example-{project.name}-{stack}", steps=steps, config=lambda _w: config, project=project.name, stack=stack
    )


TENANTS = {"dev": (DOMAIN, TOKEN), "prod": (OTHER_DOMAIN, OTHER_TOKEN)}
"""The multi-environment example's stacks, each in its own tenant of the emulator."""


def side_by_side(make_runner: Callable[[], ScenarioRunner], emulator: EmulatorClient, workdir: Path) -> list[Observed]:
    """The multi-environment example's dev and prod stacks deployed side by side (one backend, one
    project directory), checked, previewed and destroyed one after the other. Returns what each
    operation did, labelled ``"<stack> <operation>"``."""
    directory = "examples/multi-environment"
    project = Project(REPO / directory)
    scenarios = {stack: example_scenario(directory, stack, emulator, *tenant) for stack, tenant in TENANTS.items()}
    runners = {stack: make_runner() for stack in TENANTS}
    record: list[Observed] = []

    def run(stack: str, op: Operation, expect: Mapping[str, str]) -> StepOutcome:
        outcome = runners[stack].run(ScenarioStep(op, project.program if op in ("preview", "up") else None))
        assert outcome.error is None, f"{stack} {op}: {outcome.error}"
        assert outcome.changes == dict(expect), f"{stack} {op}: {outcome.changes}"
        record.append(Observed(f"{stack} {op}", outcome.changes, False, masked(emulator.objects())))
        return outcome

    for stack, runner in runners.items():
        runner.open(scenarios[stack], workdir)
    try:
        names = {stack: expected(project, stack)[0] for stack in TENANTS}
        for stack in TENANTS:
            outputs = run(stack, "up", dict.fromkeys(names[stack], "create")).outputs
            config = project.program_config(stack)
            assert outputs["environment"] == stack
            assert outputs["region"] == project.stack_config(stack)["iotcomms:region"]
            assert len(outputs["phone_ids"]) == config["phones"]
        # Same program, different sizes and settings per stack, each in its own tenant.
        dev, prod = (project.program_config(stack) for stack in ("dev", "prod"))
        assert (dev["phones"], len(dev["trunkTargets"])) != (prod["phones"], len(prod["trunkTargets"]))
        stored = emulator.objects()
        for stack, (domain, _) in TENANTS.items():
            config = project.program_config(stack)
            assert len(stored[domain]["device"]) == config["phones"]
            assert len(stored[domain]["trunk"]) == len(config["trunkTargets"])
        # Neither stack's preview sees the other's objects; destroying one leaves the other alone.
        for stack in TENANTS:
            run(stack, "preview", {})
        run("dev", "destroy", dict.fromkeys(names["dev"], "delete"))
        assert list(emulator.objects()) == [OTHER_DOMAIN]
        run("prod", "preview", {})
        run("prod", "destroy", dict.fromkeys(names["prod"], "delete"))
        assert emulator.objects() == {}
    finally:
        for runner in runners.values():
            runner.close()
    return record
