"""The acceptance lifecycle, through the Pulumi engine protocol, for every resource.

One :class:`Lifecycle` per resource describes its inputs and how to touch the server out of band;
:func:`lifecycle_scenario` turns it into a :class:`~pulumi_iotcomms.testing.harness.scenario.Scenario`:

create → second preview empty → update one field (exactly one write, the minimal patch) → refresh
without drift → out-of-band edit detected by refresh, shown by preview, corrected by up →
out-of-band delete dropped by refresh and recreated by up → replace of an identity field →
destroy leaves the server as it was.

The same scenario runs under the in-process harness (``tests/resources/test_<name>.py``) and, when
the Pulumi CLI is installed, under the Automation API (``tests/automation``).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from pulumi_iotcomms.testing.harness import Secret
from pulumi_iotcomms.testing.harness.scenario import Scenario, ScenarioContext, ScenarioStep, StepOutcome
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.resources._provider_cases import Case

NAME = "res"


@dataclass(frozen=True)
class Lifecycle:
    """One resource as the engine-level lifecycle sees it.

    Args:
        resource: the ``pulumi.dynamic.Resource`` class.
        inputs: program inputs (no ``domain``).
        update: input overrides of the update step.
        update_write: ``(method, body)`` of the single write the update must send; None: no write
            (the update only changes provider-side inputs).
        url: local id → the object's API path (GET/DELETE).
        edit: out-of-band change of a managed field (``emulator``, local id).
        edit_kind: what the preview after that refresh shows (``update`` or ``replace``).
        remove: out-of-band delete, or None where the service has no delete.
        replace: input overrides that replace the object.
        secrets: input values that must never appear in plaintext in the state file.
        snapshot: what "the server" means for this resource (compared before create and after destroy).
        config: extra stack config.
    """

    resource: type[Any]
    inputs: Mapping[str, Any]
    update: Mapping[str, Any]
    update_write: tuple[str, Any] | None
    url: Callable[[str], str]
    edit: Callable[[EmulatorClient, str], None]
    replace: Mapping[str, Any]
    edit_kind: str = "update"
    remove: Callable[[EmulatorClient, str], None] | None = None
    secrets: tuple[str, ...] = ()
    snapshot: Callable[[EmulatorClient], Any] = lambda emulator: emulator.objects()
    config: Mapping[str, Any] = field(default_factory=dict)


def from_case(case: Case, *, extra: Mapping[str, Any] | None = None, secrets: tuple[str, ...] = ()) -> Lifecycle:
    """The lifecycle of an id-addressed collection resource, from its provider-level :class:`Case`
    (``extra`` inputs added, e.g. secrets to look for in the state)."""
    field_name, value = case.edit
    alias = case.wire({field_name: value})
    (wire_key,) = alias

    def edit(emulator: EmulatorClient, local_id: str) -> None:
        emulator.ok("PATCH", case.url(local_id), json=[{"op": "replace", "path": f"/{wire_key}", "value": value}])

    def remove(emulator: EmulatorClient, local_id: str) -> None:
        emulator.ok("DELETE", case.url(local_id))

    return Lifecycle(
        resource=case.resource,
        inputs={**case.inputs, **(extra or {})},
        update=case.change,
        update_write=("PATCH", case.change_ops),
        url=case.url,
        edit=edit,
        remove=remove,
        replace={case.id_input: "explicit-id"},
        secrets=secrets,
    )


def program(life: Lifecycle, overrides: Mapping[str, Any] | None = None) -> Callable[[], None]:
    """A Pulumi program declaring the resource (and exporting its id and every output)."""

    def run() -> None:
        res = life.resource(NAME, **{"domain": DOMAIN, **life.inputs, **(overrides or {})})
        pulumi.export("id", res.id)

    return run


def _local_id(ctx: ScenarioContext) -> str:
    return str(ctx.data["id"]).split("/", 1)[1]


def _remember_id(outcome: StepOutcome, ctx: ScenarioContext) -> None:
    ctx.data["id"] = outcome.outputs["id"]


def clear_log(emulator: EmulatorClient) -> Callable[[ScenarioContext], None]:
    """A step's ``before``: empty the emulator's request log, so the step's ``check`` sees its own requests."""
    return lambda _ctx: emulator.clear_requests()


def writes_nothing(emulator: EmulatorClient) -> Callable[[StepOutcome, ScenarioContext], None]:
    """A step's ``check``: the emulator received no write (after :func:`clear_log`)."""

    def check(_outcome: StepOutcome, _ctx: ScenarioContext) -> None:
        writes = [(r["method"], r["path"]) for r in emulator.requests() if r["method"] != "GET"]
        assert writes == [], writes

    return check


def lifecycle_scenario(life: Lifecycle, emulator: EmulatorClient) -> Scenario:
    """The acceptance scenario for ``life`` against ``emulator`` (which must be empty)."""
    before_snapshot = life.snapshot(emulator)
    base, updated = program(life), program(life, life.update)
    clear, no_writes = clear_log(emulator), writes_nothing(emulator)

    def exists(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        _remember_id(outcome, ctx)
        emulator.ok("GET", life.url(_local_id(ctx)))

    def one_write(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        writes = [(r["method"], r["body"]) for r in emulator.requests() if r["method"] != "GET"]
        assert writes == ([life.update_write] if life.update_write else []), writes

    def edit(ctx: ScenarioContext) -> None:
        life.edit(emulator, _local_id(ctx))

    def remove(ctx: ScenarioContext) -> None:
        assert life.remove is not None
        life.remove(emulator, _local_id(ctx))

    def no_secrets_in_state(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        text = state_text(ctx.workdir)
        # Not vacuous: the state (harness file or the backend's checkpoints) was found and holds the resource.
        assert f"::{NAME}" in text, f"no state holding {NAME!r} under {ctx.workdir}"
        for secret in (*life.secrets, TOKEN):
            assert secret not in text, f"secret {secret[:4]}... in plaintext state"

    def server_as_before(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert life.snapshot(emulator) == before_snapshot

    steps = [
        ScenarioStep("up", base, expect={NAME: "create"}, check=exists, label="create"),
        ScenarioStep("preview", expect={}, label="second preview is empty"),
        ScenarioStep("up", updated, expect={NAME: "update"}, before=clear, check=one_write, label="update"),
        ScenarioStep("up", expect={}, before=clear, check=no_writes, label="up again writes nothing"),
        ScenarioStep("refresh", expect={}, label="refresh without drift"),
        ScenarioStep("refresh", expect={NAME: "refresh"}, before=edit, label="out-of-band edit"),
        ScenarioStep("preview", expect={NAME: life.edit_kind}, label="drift shows in preview"),
        ScenarioStep("up", expect={NAME: life.edit_kind}, check=exists, label="drift corrected"),
        ScenarioStep("preview", expect={}, label="converged"),
    ]
    if life.remove is not None:
        steps += [
            ScenarioStep("refresh", expect={NAME: "drop"}, before=remove, label="out-of-band delete"),
            ScenarioStep("up", expect={NAME: "create"}, check=exists, label="recreated"),
        ]
    steps += [
        ScenarioStep("up", program(life, {**life.update, **life.replace}), expect={NAME: "replace"}, label="replace"),
        ScenarioStep("preview", expect={}, check=no_secrets_in_state, label="replaced, converged"),
        ScenarioStep("destroy", expect={NAME: "delete"}, check=server_as_before, label="destroy"),
    ]
    return Scenario(
        name=f"lifecycle-{life.resource.__name__}",
        steps=steps,
        config=lambda _workdir: config_for(emulator, life.config),
        project="iotcomms-tests",
    )


def config_for(emulator: EmulatorClient, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Stack config aimed at the test emulator, the token as a secret."""
    return {
        "iotcomms:endpoint": emulator.url,
        "iotcomms:token": Secret(TOKEN),
        "iotcomms:maxRetries": "2",
        "iotcomms:timeoutSeconds": "20",
        **(extra or {}),
    }


def state_text(workdir: Path) -> str:
    """Every state file under a scenario's workdir, as text: the harness's ``<stack>.json`` or, for the
    Automation API's file backend, ``.pulumi/stacks/<project>/<stack>.json`` with its ``.json.bak`` and the
    ``backups``/``history`` checkpoints (``.json.gz`` when the backend gzips them)."""
    texts: list[str] = []
    for path in sorted(workdir.rglob("*.json*")):
        if path.name.endswith((".json", ".json.bak")):
            texts.append(path.read_text())
        elif path.name.endswith(".json.gz"):
            texts.append(gzip.decompress(path.read_bytes()).decode())
    return "\n".join(texts)
