"""Scenarios: one description of "program + operations + expected step kinds", many runners.

A :class:`Scenario` is a list of :class:`ScenarioStep` (``preview``/``up``/``refresh``/
``destroy``), each with the program to use, optional out-of-band action to run *before*
the operation (edit/delete a live object...), the expected changes and an optional
extra ``check``. :func:`run_scenario` drives any :class:`ScenarioRunner`:

* :class:`HarnessRunner` -- the in-process engine-protocol harness (always available);
* ``pulumi_iotcomms.testing.automation.AutomationRunner`` -- the real Pulumi CLI through the
  Automation API (local file backend, passphrase secrets), when ``pulumi`` is installed.

Step kinds are normalized to ``create``, ``update``, ``replace``, ``delete``, ``same`` and,
for refresh, ``refresh`` (drift written to the state) and ``drop`` (resource gone).
``expect`` lists only resources whose kind is not ``same``, so ``expect={}`` asserts that
an operation would do nothing -- the "second preview is empty" check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from .engine import Program
from .harness import Harness, OperationResult
from .props import Secret

__all__ = [
    "HarnessRunner",
    "Operation",
    "Scenario",
    "ScenarioContext",
    "ScenarioRunner",
    "ScenarioStep",
    "StepKind",
    "StepOutcome",
    "leaves",
    "run_scenario",
]

Operation = Literal["preview", "up", "refresh", "destroy"]
StepKind = Literal["create", "update", "replace", "delete", "same", "refresh", "drop"]


@dataclass
class ScenarioContext:
    """Mutable context shared by the steps of one scenario run."""

    workdir: Path
    """Scratch directory of this run (e.g. where the toy provider keeps its files)."""
    outcomes: list[StepOutcome] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepOutcome:
    """Runner-independent result of one step."""

    op: Operation
    changes: dict[str, str]
    """Resource logical name -> normalized step kind, ``same`` omitted."""
    outputs: dict[str, Any]
    """Stack outputs with secrets revealed (unknowns, in previews, as ``UNKNOWN``)."""
    error: BaseException | None = None
    raw: Any = None
    """The runner's own result object (``OperationResult``, an Automation API result...)."""
    secret_outputs: frozenset[str] = frozenset()
    """Stack outputs (after an ``up``) holding a secret, whole or in part, as ``pulumi stack output`` hides them."""


@dataclass(frozen=True)
class ScenarioStep:
    """One operation of a scenario and what to expect from it."""

    op: Operation
    program: Program | None = None
    """Program for ``preview``/``up``; ``None`` keeps the previous step's program."""
    expect: Mapping[str, str] | None = None
    """Expected non-``same`` step kinds by resource name; ``None`` skips the check."""
    expect_error: str | None = None
    """Regex the error message must match (the step must then fail)."""
    before: Callable[[ScenarioContext], None] | None = None
    """Out-of-band action run just before the operation."""
    check: Callable[[StepOutcome, ScenarioContext], None] | None = None
    """Extra assertions run after the operation."""
    config: Mapping[str, Any] | None = None
    """Stack config to set before the operation (``pulumi config set``; wrap secrets in ``Secret``)."""
    label: str = ""


@dataclass(frozen=True)
class Scenario:
    """A named, runner-independent sequence of steps for one stack."""

    name: str
    steps: Sequence[ScenarioStep]
    config: Callable[[Path], Mapping[str, Any]] = lambda _workdir: {}
    """Stack config built from the workdir; wrap secret values in ``Secret``."""
    project: str = "scenario"
    stack: str = "dev"
    env: Mapping[str, str] = field(default_factory=dict)


class ScenarioRunner(Protocol):
    """Something that can execute scenario steps against one stack."""

    def open(self, scenario: Scenario, workdir: Path) -> None:
        """Prepare a stack for ``scenario`` with ``workdir`` as scratch space."""

    def run(self, step: ScenarioStep) -> StepOutcome:
        """Execute one step; errors are returned in the outcome, not raised."""

    def close(self) -> None:
        """Release resources (the stack itself may stay on disk)."""


class HarnessRunner:
    """Runs scenario steps with the in-process :class:`~pulumi_iotcomms.testing.harness.Harness`."""

    def __init__(self, **harness_options: Any) -> None:
        """``harness_options`` are passed to :class:`Harness` (timeouts, pythonpath...)."""
        self.harness_options = harness_options
        self.harness: Harness | None = None

    def open(self, scenario: Scenario, workdir: Path) -> None:
        """Create the harness with its state in ``workdir/state``."""
        self.harness = Harness(
            state_dir=workdir / "state",
            project=scenario.project,
            stack=scenario.stack,
            config=scenario.config(workdir),
            env=scenario.env,
            **self.harness_options,
        )

    def run(self, step: ScenarioStep) -> StepOutcome:
        """Run the step's operation and normalize the result."""
        harness = self.harness
        if harness is None:
            raise RuntimeError("HarnessRunner.open() was not called")
        if step.program is not None:
            harness.program = step.program
        for key, value in (step.config or {}).items():
            secret = isinstance(value, Secret)
            harness.set_config(key, value.value if secret else value, secret=secret)
        result: OperationResult | None = None
        error: BaseException | None = None
        try:
            if step.op == "preview":
                result = harness.preview()
            elif step.op == "up":
                result = harness.up()
            elif step.op == "refresh":
                result = harness.refresh()
            else:
                result = harness.destroy()
        except Exception as err:
            error = err
            result = getattr(err, "result", None)
        if result is None:
            return StepOutcome(step.op, {}, {}, error, None)
        hidden = frozenset(k for k, v in result.outputs.items() if any(isinstance(x, Secret) for x in leaves(v)))
        return StepOutcome(step.op, result.changes, result.plain_outputs, error, result, hidden)

    def close(self) -> None:
        """Nothing to release: every operation already stopped its provider host."""
        self.harness = None


def leaves(value: Any) -> Iterator[Any]:
    """The scalar values inside ``value`` (mappings and sequences walked through; a ``Secret`` is one)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def run_scenario(
    scenario: Scenario,
    runner: ScenarioRunner,
    workdir: Path,
    observe: Callable[[int, StepOutcome, ScenarioContext], None] | None = None,
) -> list[StepOutcome]:
    """Run every step of ``scenario`` with ``runner`` and assert its expectations; ``observe`` sees each
    step's outcome once its checks passed (the differential check records the server's state there)."""
    ctx = ScenarioContext(workdir=workdir)
    runner.open(scenario, workdir)
    try:
        for index, step in enumerate(scenario.steps):
            where = f"{scenario.name} step {index} ({step.label or step.op})"
            if step.before is not None:
                step.before(ctx)
            outcome = runner.run(step)
            if step.expect_error is not None:
                if outcome.error is None:
                    raise AssertionError(f"{where}: expected an error matching {step.expect_error!r}")
                if not re.search(step.expect_error, str(outcome.error)):
                    raise AssertionError(f"{where}: error {outcome.error!s} does not match {step.expect_error!r}")
            elif outcome.error is not None:
                raise AssertionError(f"{where}: unexpected error: {outcome.error}") from outcome.error
            if step.expect is not None and outcome.changes != dict(step.expect):
                raise AssertionError(f"{where}: expected changes {dict(step.expect)}, got {outcome.changes}")
            if step.check is not None:
                step.check(outcome, ctx)
            if observe is not None:
                observe(index, outcome, ctx)
            ctx.outcomes.append(outcome)
        return ctx.outcomes
    finally:
        runner.close()
