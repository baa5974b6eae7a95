"""Programs and :class:`~tests.harness.scenario.Scenario` definitions for the toy provider.

Shared by ``tests/test_harness.py`` (in-process harness) and ``tests/automation``
(real Pulumi CLI), so both prove the same behaviour with the same expectations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

from .props import Secret
from .scenario import Scenario, ScenarioContext, ScenarioStep, StepOutcome
from .toy import Thing

API_KEY = "toy-api-key-5ecret-value"
"""The secret config value every toy scenario sets (``toy:apiKey``)."""


def toy_config(workdir: Path) -> dict[str, Any]:
    """Stack config for toy scenarios: the store directory and a secret API key."""
    return {"toy:dir": str(workdir / "store"), "toy:apiKey": Secret(API_KEY)}


def pair_program(
    value_a: str = "one",
    *,
    kind_a: str = "basic",
    dbr_a: bool = False,
    with_b: bool = True,
    value_b: str = "two",
) -> Callable[[], None]:
    """``a`` plus ``b`` whose ``ref`` is ``a.id`` (so ``b`` depends on ``a``)."""

    def program() -> None:
        a = Thing("a", value_a, kind=kind_a, dbr=dbr_a, physical_name="thing-a")
        pulumi.export("a_value", a.value)
        pulumi.export("a_token", a.token)
        if with_b:
            b = Thing("b", value_b, ref=a.id, physical_name="thing-b")
            pulumi.export("b_ref", b.ref)

    return program


def live_records(store: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """The toy's live objects: physical name -> (file, record)."""
    records: dict[str, tuple[Path, dict[str, Any]]] = {}
    if store.exists():
        for path in sorted(store.glob("*.json")):
            record = json.loads(path.read_text())
            records[str(record.get("physical_name"))] = (path, record)
    return records


def edit_live(physical_name: str, **fields: Any) -> Callable[[ScenarioContext], None]:
    """Out-of-band edit of a live toy object (as if someone changed it in the console)."""

    def action(ctx: ScenarioContext) -> None:
        path, record = live_records(ctx.workdir / "store")[physical_name]
        record.update(fields)
        path.write_text(json.dumps(record, indent=2, sort_keys=True))

    return action


def delete_live(physical_name: str) -> Callable[[ScenarioContext], None]:
    """Out-of-band deletion of a live toy object."""

    def action(ctx: ScenarioContext) -> None:
        path, _ = live_records(ctx.workdir / "store")[physical_name]
        path.unlink()

    return action


def expect_live(physical_name: str, **fields: Any) -> Callable[[StepOutcome, ScenarioContext], None]:
    """Assert fields of a live toy object after a step."""

    def check(_outcome: StepOutcome, ctx: ScenarioContext) -> None:
        _, record = live_records(ctx.workdir / "store")[physical_name]
        for key, value in fields.items():
            assert record.get(key) == value, f"{physical_name}.{key}: {record.get(key)!r} != {value!r}"

    return check


def expect_store_empty(_outcome: StepOutcome, ctx: ScenarioContext) -> None:
    """Assert the toy store directory holds no files."""
    store = ctx.workdir / "store"
    leftovers = sorted(p.name for p in store.iterdir()) if store.exists() else []
    assert leftovers == [], f"store not empty: {leftovers}"


def lifecycle_scenario() -> Scenario:
    """Create, no-op preview, update, refresh, drift (edit and delete), replaces, destroy."""
    return Scenario(
        name="toy-lifecycle",
        project="toylife",
        config=toy_config,
        steps=[
            ScenarioStep("up", pair_program("one"), expect={"a": "create", "b": "create"}, label="create"),
            ScenarioStep("preview", expect={}, label="second preview is empty"),
            ScenarioStep(
                "up",
                pair_program("uno"),
                expect={"a": "update"},
                label="update one field",
                check=expect_live("thing-a", value="uno", revision=2),
            ),
            ScenarioStep("refresh", expect={}, label="refresh shows no drift"),
            ScenarioStep(
                "refresh",
                before=edit_live("thing-a", value="tampered"),
                expect={"a": "refresh"},
                label="refresh detects out-of-band edit",
            ),
            ScenarioStep("preview", expect={"a": "update"}, label="drift shows in preview"),
            ScenarioStep(
                "up", expect={"a": "update"}, check=expect_live("thing-a", value="uno"), label="up corrects the drift"
            ),
            ScenarioStep(
                "refresh", before=delete_live("thing-b"), expect={"b": "drop"}, label="refresh drops out-of-band delete"
            ),
            ScenarioStep("up", expect={"b": "create"}, label="up recreates"),
            ScenarioStep("preview", expect={}, label="converged"),
            ScenarioStep(
                "up",
                pair_program("uno", kind_a="fancy"),
                expect={"a": "replace", "b": "update"},
                check=expect_live("thing-a", kind="fancy"),
                label="replace (create-before-delete)",
            ),
            ScenarioStep(
                "up",
                pair_program("uno", kind_a="deluxe", dbr_a=True),
                expect={"a": "replace", "b": "update"},
                check=expect_live("thing-a", kind="deluxe"),
                label="replace (delete-before-replace)",
            ),
            ScenarioStep("preview", expect={}, label="converged after replaces"),
            ScenarioStep("destroy", expect={"a": "delete", "b": "delete"}, check=expect_store_empty, label="destroy"),
        ],
    )


def removal_scenario() -> Scenario:
    """Dropping ``b`` from the program deletes it; a failing Check is reported with its path."""
    return Scenario(
        name="toy-removal",
        project="toyremoval",
        config=toy_config,
        steps=[
            ScenarioStep("up", pair_program("one"), expect={"a": "create", "b": "create"}),
            ScenarioStep("up", pair_program("one", with_b=False), expect={"b": "delete"}),
            ScenarioStep("preview", pair_program(""), expect_error=r"value: value must be a non-empty string"),
            ScenarioStep("destroy", expect={"a": "delete"}, check=expect_store_empty),
        ],
    )
