"""Programs and :class:`~pulumi_iotcomms.testing.harness.scenario.Scenario` definitions for the toy provider.

Shared by ``tests/test_harness.py`` (in-process harness) and ``tests/automation``
(real Pulumi CLI), so both prove the same behaviour with the same expectations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

from pulumi_iotcomms.testing.harness.props import Secret
from pulumi_iotcomms.testing.harness.scenario import Scenario, ScenarioContext, ScenarioStep, StepOutcome

from .toy import PARTIAL_CREATE, PARTIAL_UPDATE, Thing, partial_reasons

API_KEY = "toy-api-key-5ecret-value"
"""The secret config value every toy scenario sets (``toy:apiKey``)."""


CHECK_FAILURE_A = (
    r"pulumi-python:dynamic/toy:Thing resource 'a': property value value \{\} has a problem: "
    r"value must be a non-empty string"
)
"""The engine's diagnostic for ``a`` with an empty ``value`` (``issueCheckFailures``, diag 2003)."""


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
            ScenarioStep("preview", pair_program(""), expect_error=CHECK_FAILURE_A),
            ScenarioStep("destroy", expect={"a": "delete"}, check=expect_store_empty),
        ],
    )


GROUP_TYPE = "test:index:Group"
"""Type of the component the alias scenario moves a resource into."""


def aliased_program(
    name: str,
    value: str = "v",
    *,
    kind: str | None = None,
    old: str | None = None,
    group: bool = False,
) -> Callable[[], None]:
    """One auto-named ``Thing`` called ``name`` (aliased to ``old``), optionally inside component ``g``.

    With ``group`` the alias is ``Alias(parent=None)``: the resource moves from the stack root into ``g``.
    """

    def program() -> None:
        parent = pulumi.ComponentResource(GROUP_TYPE, "g") if group else None
        aliases: list[str | pulumi.Alias] = []
        if old is not None:
            aliases.append(pulumi.Alias(name=old))
        if group:
            aliases.append(pulumi.Alias(parent=None))
        Thing(name, value, kind=kind, opts=pulumi.ResourceOptions(parent=parent, aliases=aliases))

    return program


def duplicate_alias_program(old: str) -> Callable[[], None]:
    """``n1`` and then ``n2`` (registered after ``n1``'s step) both aliased to ``old``."""

    def program() -> None:
        first = Thing("n1", "v", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old)]))
        Thing("n2", "v", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old)], depends_on=[first]))

    return program


def expect_live_count(count: int, **fields: Any) -> Callable[[StepOutcome, ScenarioContext], None]:
    """Assert how many toy objects are live (and, optionally, fields every one of them has)."""

    def check(_outcome: StepOutcome, ctx: ScenarioContext) -> None:
        records = live_records(ctx.workdir / "store")
        assert len(records) == count, sorted(records)
        for _, record in records.values():
            for key, value in fields.items():
                assert record.get(key) == value, f"{key}: {record.get(key)!r} != {value!r}"

    return check


def alias_scenario() -> Scenario:
    """Renames with aliases keep the object (same/update/replace), a doubly-claimed alias fails with the
    engine's diagnostic, and an alias moves the resource into a component."""
    return Scenario(
        name="toy-aliases",
        project="toyalias",
        config=toy_config,
        steps=[
            ScenarioStep("up", aliased_program("old"), expect={"old": "create"}, label="create"),
            ScenarioStep(
                "up",
                aliased_program("new", old="old"),
                expect={},
                check=expect_live_count(1, revision=1),
                label="rename with alias: same",
            ),
            ScenarioStep(
                "up",
                duplicate_alias_program("new"),
                expect={},  # n1 took "new" over before n2 was refused
                expect_error=(
                    r"Duplicate resource alias '\S+::new' applied to resource with URN '\S+::n2' "
                    r"conflicting with resource with URN '\S+::n1'"
                ),
                check=expect_live_count(1, revision=1),
                label="two resources claim one alias",
            ),
            ScenarioStep(
                "up",
                aliased_program("renamed", "v2", old="n1"),
                expect={"renamed": "update"},
                check=expect_live_count(1, value="v2", revision=2),
                label="rename with alias and update",
            ),
            ScenarioStep(
                "up",
                aliased_program("again", "v2", kind="fancy", old="renamed"),
                expect={"again": "replace"},  # the old instance is deleted under its old URN
                check=expect_live_count(1, kind="fancy"),
                label="rename with alias and replace",
            ),
            ScenarioStep(
                "up",
                aliased_program("again", "v2", kind="fancy", group=True),
                expect={"g": "create"},
                check=expect_live_count(1, kind="fancy"),
                label="alias moves the resource into a component",
            ),
            ScenarioStep("preview", expect={}, label="converged"),
            ScenarioStep("destroy", expect={"g": "delete", "again": "delete"}, check=expect_store_empty),
        ],
    )


PARTIAL_PASSWORD = "partial-pa55word"
"""The secret input of the partial-failure scenario's resource."""


def partial_program(value: str, *, kind: str = "basic", dbr: bool = False) -> Callable[[], None]:
    """``a`` (``thing-a``, a secret ``password``) with ``value``; its token exported."""

    def program() -> None:
        password = pulumi.Output.secret(PARTIAL_PASSWORD)
        a = Thing("a", value, kind=kind, dbr=dbr, physical_name="thing-a", password=password)
        pulumi.export("a_token", a.token)

    return program


def partial_error(action: str, value: str) -> str:
    """What a partial failure of ``thing-a`` says: the engine's ``InitError``, its reasons listed."""
    first, second = (re.escape(reason) for reason in partial_reasons(action, "thing-a", value))
    return rf"2 errors occurred:\s+\* {first}\s+\* {second}"


def partial_failure_scenario() -> Scenario:
    """Partial failures (``fail_with_state``): a create, an update and a delete-before-replace
    replacement fail after writing the object, which the state records (with its init errors); the next
    ``up`` of the same program updates it although the toy's diff finds no change. A refresh whose
    Read succeeds clears the init errors, one whose Read fails partially records them."""
    created, updated = f"{PARTIAL_CREATE} one", f"{PARTIAL_UPDATE} two"
    return Scenario(
        name="toy-partial-failure",
        project="toypartial",
        config=toy_config,
        steps=[
            ScenarioStep(
                "up",
                partial_program(created),
                expect_error=partial_error("created", created),
                check=expect_live("thing-a", value=created, revision=1),
                label="create fails partially",
            ),
            ScenarioStep("preview", expect={"a": "update"}, label="init errors: preview shows an update"),
            ScenarioStep(
                "up",
                expect={"a": "update"},
                check=expect_live("thing-a", value=created, revision=2),
                label="same program: update",
            ),
            ScenarioStep("preview", expect={}, label="init errors cleared"),
            ScenarioStep(
                "up",
                partial_program(updated),
                expect_error=partial_error("updated", updated),
                check=expect_live("thing-a", value=updated, revision=3),
                label="update fails partially",
            ),
            ScenarioStep(
                "up",
                expect={"a": "update"},
                check=expect_live("thing-a", value=updated, revision=4),
                label="same program after a partial update: update",
            ),
            ScenarioStep(
                "up",
                partial_program(f"{PARTIAL_UPDATE} three"),
                expect_error=partial_error("updated", f"{PARTIAL_UPDATE} three"),
                label="update fails partially again",
            ),
            ScenarioStep("refresh", expect={"a": "refresh"}, label="refresh reads the object (inputs were the old)"),
            ScenarioStep("up", expect={}, label="the refresh cleared the init errors"),
            ScenarioStep(
                "refresh",
                before=edit_live("thing-a", unhealthy=["thing-a lost its finishing touch"]),
                expect={},  # what it read is what the state has: only the init errors are new
                label="refresh whose Read fails partially",
            ),
            ScenarioStep(
                "up",
                expect={"a": "update"},
                check=expect_live("thing-a", unhealthy=None),
                label="init errors from the refresh: update",
            ),
            ScenarioStep(
                "up",
                partial_program(f"{PARTIAL_CREATE} four", kind="fancy", dbr=True),
                expect_error=partial_error("created", f"{PARTIAL_CREATE} four"),
                check=expect_live("thing-a", kind="fancy", revision=1),
                label="delete-before-replace replacement fails partially",
            ),
            ScenarioStep("up", expect={"a": "update"}, label="the replacement is updated"),
            ScenarioStep("preview", expect={}, label="converged"),
            ScenarioStep("destroy", expect={"a": "delete"}, check=expect_store_empty),
        ],
    )
