"""Every example project as a runner-independent :class:`~pulumi_iotcomms.testing.harness.scenario.Scenario`.

The same scenario runs through the engine-protocol harness and, in ``tests/automation``, through the
real Pulumi engine (compared step by step): a preview that plans every resource and writes nothing;
``up`` creating them (secret exports secret, no secret in plaintext in the state); a second preview
and a refresh with nothing to do; an out-of-band edit and an out-of-band delete of one object, each
seen by refresh, shown by preview and corrected by ``up`` (the object as it was after the first ``up``);
config changes previewed (writing nothing) and applied; ``destroy`` leaving the tenant as it was.

The object touched out of band is usually a resource of its own (its delete drops the resource from the
state, ``up`` creates it again); in a fleet it is one device of many in one resource (its delete
changes the resource: refresh records it, ``up`` updates the fleet). Bulk job records the service keeps
(``tenant_objects``) are not objects of the tenant: they are left out of what is counted and compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tests.resources.test_device as device
import tests.resources.test_site_host as site_host
from pulumi_iotcomms.api.device import read_bulk_csv
from pulumi_iotcomms.testing.harness import Secret
from pulumi_iotcomms.testing.harness.scenario import (
    Operation,
    Scenario,
    ScenarioContext,
    ScenarioRunner,
    ScenarioStep,
    StepOutcome,
    leaves,
)
from tests.automation.differential import Observed, masked
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient
from tests.examples._projects import REPO, Project
from tests.resources._lifecycle import Lifecycle, clear_log, state_text, writes_nothing

SETTINGS = {"notifications"}
"""Resource names of per-tenant settings: they take over an existing object instead of adding one."""
JOB_RECORDS = frozenset({"bulk"})
"""Emulator collections that record jobs (bulk provisioning jobs, under random ids, with times), not
objects a program declares: the service keeps them, ``destroy`` does not remove them."""
FLEET_DIR = REPO / "examples" / "alarm-fleet"


def tenant_objects(emulator: EmulatorClient) -> dict[str, Any]:
    """The emulator's objects, ``{domain: {collection: {key: doc}}}``, without :data:`JOB_RECORDS`
    (a domain holding nothing else left out)."""
    out: dict[str, Any] = {}
    for domain, collections in emulator.objects().items():
        kept = {name: docs for name, docs in collections.items() if name not in JOB_RECORDS}
        if kept:
            out[domain] = kept
    return out


def stored(emulator: EmulatorClient, domain: str) -> int:
    """How many objects ``domain`` holds (job records not counted)."""
    return sum(len(docs) for docs in tenant_objects(emulator).get(domain, {}).values())


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


def _fleet_rows(config: Mapping[str, Any]) -> dict[str, Any]:
    """The devices of the alarm-fleet example's CSV (config ``unitsFile``), by device id."""
    text = (FLEET_DIR / str(config.get("unitsFile") or "units.csv")).read_text(encoding="utf-8")
    return {device.device_id: device for device in read_bulk_csv(text)}


def _fleet_objects(config: Mapping[str, Any]) -> int:
    return len(_fleet_rows(config))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _fleet_matches_csv(
    config: Mapping[str, Any], outcome: StepOutcome, ctx: ScenarioContext, emulator: EmulatorClient, domain: str
) -> None:
    """The server holds the CSV's devices as the CSV has them; a ``credentials`` device's ``ha1`` is
    that of the SIP password exported for it, there is one for each such device, and a device that the
    first ``up`` made keeps the password it got then."""
    rows = _fleet_rows(config)
    devices = tenant_objects(emulator).get(domain, {}).get("device", {})
    assert set(devices) == set(rows), sorted(set(devices) ^ set(rows))[:10]
    for device_id, row in rows.items():
        doc = devices[device_id]
        for key, value in row.model_dump(by_alias=True, exclude_none=True).items():
            assert doc.get(key) == value, (device_id, key, doc.get(key), value)
    sip = sorted(i for i, row in rows.items() if row.auth_type == "credentials")
    assert sip, "the CSV has no credentials device"
    passwords = outcome.outputs["sip_passwords"]
    assert sorted(passwords) == sip
    for device_id in sip:
        assert devices[device_id]["ha1"] == _md5(f"{device_id}:{domain}:{passwords[device_id]}"), device_id
    first = next((o.outputs["sip_passwords"] for o in ctx.outcomes if o.op == "up"), passwords)
    assert {i: p for i, p in passwords.items() if i in first} == {i: first[i] for i in passwords if i in first}
    assert outcome.outputs["device_count"] == len(rows)
    assert outcome.outputs["device_ids"] == sorted(rows)


@dataclass(frozen=True)
class Touched:
    """The object a scenario edits and deletes out of band: resource name, local id, how."""

    name: str
    local_id: Callable[[Mapping[str, Any], str], str]
    """(program config, stack) -> the object's id in its collection."""
    life: Lifecycle
    member: bool = False
    """The object is one of the many a resource holds (a fleet's device): deleting it out of band changes
    the resource (refresh ``refresh``, up ``update``) instead of removing it (``drop``, then ``create``)."""

    @property
    def delete_kinds(self) -> tuple[str, str]:
        """The resource's step kinds in the refresh after the out-of-band delete and in the ``up`` after."""
        return ("refresh", "update") if self.member else ("drop", "create")


UpCheck = Callable[[Mapping[str, Any], StepOutcome, ScenarioContext, EmulatorClient, str], None]
"""Assertions after an ``up``: (program config, outcome, scenario context, emulator, domain)."""


@dataclass(frozen=True)
class ConfigChange:
    """A change of the program's config (key without namespace -> value) and the step kinds it causes."""

    config: Mapping[str, Any]
    expect: Mapping[str, str]
    check: UpCheck | None = None
    """Assertions after the ``up`` that applies it (the program config then)."""


@dataclass(frozen=True)
class Example:
    """What an example project declares and exports, and how its config changes it."""

    names: Callable[[Mapping[str, Any]], set[str]]
    """Resource names, from the program's config."""
    secret_exports: tuple[str, ...]
    touched: Touched
    objects: Callable[[Mapping[str, Any]], int] | None = None
    """How many objects the program's resources add to the tenant, from its config; None: one per
    resource name except :data:`SETTINGS`."""
    check: UpCheck | None = None
    """Assertions after the first ``up``."""
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
    "examples/alarm-fleet": Example(
        lambda _c: {"care-home-fleet"},
        ("sip_passwords",),
        # One SIP phone of the fleet, edited and deleted out of band: the fleet is refreshed and updated,
        # and the phone comes back as it was, with the SIP password it had (the same ha1).
        Touched("care-home-fleet", lambda _c, _s: "nurse-station-north", device.LIFE, member=True),
        objects=_fleet_objects,
        check=_fleet_matches_csv,
        # The east wing opens: 20 units and a SIP phone added (one bulk job), one unit's heartbeat
        # changed (one patch), one unit decommissioned (one delete); the other SIP passwords are kept.
        update=ConfigChange({"unitsFile": "units-east-wing.csv"}, {"care-home-fleet": "update"}, _fleet_matches_csv),
    ),
}
"""Project directory (repository-relative) -> what it declares."""


def expected(project: Project, stack: str) -> tuple[set[str], tuple[str, ...]]:
    """The resource names ``stack`` of ``project`` declares, and its secret exports."""
    example = EXAMPLES[project.directory.relative_to(REPO).as_posix()]
    return example.names(project.program_config(stack)), example.secret_exports


def object_count(example: Example, config: Mapping[str, Any]) -> int:
    """How many objects ``example`` with this program config adds to the tenant."""
    if example.objects is not None:
        return example.objects(config)
    return len(example.names(config) - SETTINGS)


def example_scenario(directory: str, stack: str, emulator: EmulatorClient, domain: str, token: str) -> Scenario:
    """The scenario of ``stack`` of the project in ``directory`` (repository-relative), in ``domain``.

    Build it when the emulator holds what the tenant has before (``destroy`` must give that back)."""
    project = Project(REPO / directory)
    example = EXAMPLES[directory]
    names, secret_exports = expected(project, stack)
    program_config = project.program_config(stack)
    touched = example.touched
    local_id = touched.local_id(program_config, stack)
    before = tenant_objects(emulator)
    stored_before = stored(emulator, domain)
    config = project.test_config(stack, emulator, domain, token)
    secrets = [value.value for value in config.values() if isinstance(value, Secret)]

    def touched_doc() -> Any:
        return emulator.ok("GET", touched.life.url(local_id))

    def deployed(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert stored(emulator, domain) - stored_before == object_count(example, program_config)
        assert set(secret_exports) <= outcome.secret_outputs, (secret_exports, outcome.secret_outputs)
        if example.check is not None:
            example.check(program_config, outcome, ctx, emulator, domain)
        ctx.data["touched"] = touched_doc()
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

    def restored(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        """The touched object is as the first ``up`` made it -- but for generated secrets, when the
        engine forgot the resource (dropped by refresh) and created it anew: a fleet keeps them."""
        exact = outcome.changes.get(name) != "create"
        now, then = touched_doc(), ctx.data["touched"]
        if not exact:
            now, then = masked(now), masked(then)
        assert now == then, f"{local_id} is not as the first up made it: {now} != {then}"

    def as_before(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        assert tenant_objects(emulator) == before

    name, kind = touched.name, touched.life.edit_kind
    dropped, recreated = touched.delete_kinds
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
        ScenarioStep("up", expect={name: kind}, check=restored, label="drift corrected"),
        ScenarioStep("refresh", expect={name: dropped}, before=remove, label="out-of-band delete"),
        ScenarioStep("up", expect={name: recreated}, check=restored, label="recreated"),
        ScenarioStep("preview", expect={}, label="converged"),
    ]
    changed_config = dict(program_config)
    for label, change in (("update", example.update), ("replace", example.replace)):
        if change is not None:
            config_change = {f"{project.name}:{key}": value for key, value in change.config.items()}
            changed_config.update(change.config)
            steps += [
                ScenarioStep(
                    "preview",
                    config=config_change,
                    expect=change.expect,
                    before=clear_log(emulator),
                    check=writes_nothing(emulator),
                    label=f"config {label} in preview",
                ),
                ScenarioStep(
                    "up",
                    expect=change.expect,
                    check=_applied(example, change, dict(changed_config), emulator, domain, stored_before),
                    label=f"config {label}",
                ),
                ScenarioStep("preview", expect={}, label=f"after the {label}, converged"),
            ]
    steps.append(ScenarioStep("destroy", expect=dict.fromkeys(names, "delete"), check=as_before, label="destroy"))
    return Scenario(
        name=f"example-{project.name}-{stack}", steps=steps, config=lambda _w: config, project=project.name, stack=stack
    )


def _applied(
    example: Example, change: ConfigChange, config: Mapping[str, Any], emulator: EmulatorClient, domain: str, base: int
) -> Callable[[StepOutcome, ScenarioContext], None]:
    """The check of the ``up`` applying a config change: the tenant holds as many objects as the program
    with the changed ``config`` adds (over ``base``), and the change's own check holds."""

    def check(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert stored(emulator, domain) - base == object_count(example, config)
        if change.check is not None:
            change.check(config, outcome, ctx, emulator, domain)

    return check


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
