"""The differential check: one scenario through the harness and through the real engine, compared.

:func:`run_differential` runs a scenario (built afresh for each run by a factory, against an
emulator reset in between) with :class:`~pulumi_iotcomms.testing.harness.scenario.HarnessRunner` and then with
:class:`~pulumi_iotcomms.testing.automation.AutomationRunner`. Each run asserts the scenario's own
expectations; then, step by step, the two runs must agree on whether the step failed, on the step
kind of every resource (``create``/``update``/``replace``/``delete``/``refresh``/``drop``; ``same``
omitted) when it did not, and on the server's state after the step. Where they differ the engine is right:
fix the harness.

The server's state is compared with generated secrets masked (``ha1``, passwords, tokens, secrets:
each run generates its own), their presence kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_iotcomms.resources import _claims
from pulumi_iotcomms.testing.automation import AutomationRunner
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioRunner,
    StepOutcome,
    run_scenario,
)
from tests.emulator_client import EmulatorClient

GENERATED = re.compile(r"(ha1|password|secret|token|callbackId)$", re.IGNORECASE)
MASK = "<generated>"


def masked(value: Any) -> Any:
    """``value`` with the values under secret-looking keys replaced by one mask."""
    if isinstance(value, Mapping):
        return {k: MASK if GENERATED.search(str(k)) and v not in (None, "") else masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


@dataclass(frozen=True)
class Observed:
    """What one step of one run did: the operation, step kinds, failure, and the server afterwards."""

    label: str
    changes: dict[str, str]
    failed: bool
    server: Any


def observe_run(
    scenario: Scenario,
    runner: ScenarioRunner,
    workdir: Path,
    server: Callable[[ScenarioContext], Any],
) -> list[Observed]:
    """Run ``scenario`` (its expectations asserted) and record every step."""
    record: list[Observed] = []

    def observe(index: int, outcome: StepOutcome, ctx: ScenarioContext) -> None:
        step = scenario.steps[index]
        record.append(
            Observed(f"{index} {step.label or step.op}", outcome.changes, outcome.error is not None, server(ctx))
        )

    run_scenario(scenario, runner, workdir, observe)
    return record


def emulator_state(emulator: EmulatorClient) -> Callable[[ScenarioContext], Any]:
    """The server state of the emulator-backed scenarios: every stored object, generated secrets masked."""
    return lambda _ctx: masked(emulator.objects())


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Where two JSON-like values differ: ``path: harness value != engine value`` lines."""
    if isinstance(ours, Mapping) and isinstance(theirs, Mapping):
        return [
            line
            for key in sorted(set(ours) | set(theirs), key=str)
            for line in differences(ours.get(key, "<absent>"), theirs.get(key, "<absent>"), f"{path}/{key}")
        ]
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            line for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) for line in differences(a, b, f"{path}/{i}")
        ]
    return [] if ours == theirs else [f"{path or '/'}: harness {ours!r} != engine {theirs!r}"]


def compare(name: str, harness: list[Observed], engine: list[Observed]) -> None:
    """Assert the two runs agree step by step, naming the first step where they do not."""
    assert len(harness) == len(engine), f"{name}: harness ran {len(harness)} steps, the engine {len(engine)}"
    for ours, theirs in zip(harness, engine, strict=True):
        where = f"{name} step {ours.label}"
        assert ours.failed == theirs.failed, f"{where}: harness failed={ours.failed}, engine failed={theirs.failed}"
        # Which steps of a failed operation got done before it stopped depends on the engine's parallel
        # scheduling (the harness runs steps one by one): only their effect on the server must agree.
        if not ours.failed:
            assert ours.changes == theirs.changes, f"{where}: harness {ours.changes} != engine {theirs.changes}"
        assert ours.server == theirs.server, f"{where}: the server differs: {differences(ours.server, theirs.server)}"


def run_differential(
    make: Callable[[], Scenario],
    workdir: Path,
    *,
    emulator: EmulatorClient | None = None,
    server: Callable[[ScenarioContext], Any] | None = None,
    reset: Callable[[], None] | None = None,
) -> list[Observed]:
    """Run the scenario ``make()`` builds through the harness, then the engine, and :func:`compare`.

    ``server`` reads the server state after each step (default: the emulator's objects); the
    emulator (or ``reset``) is reset before each run, and claims of this process are cleared.
    Returns the engine's record."""
    if server is None:
        if emulator is None:
            raise TypeError("run_differential needs an emulator or a server reader")
        server = emulator_state(emulator)
    runs: dict[str, list[Observed]] = {}
    runners: dict[str, ScenarioRunner] = {"harness": HarnessRunner(), "engine": AutomationRunner()}
    for label, runner in runners.items():
        if emulator is not None:
            emulator.reset()
        if reset is not None:
            reset()
        _claims.reset()
        scenario = make()
        runs[label] = observe_run(scenario, runner, workdir / label, server)
    compare(scenario.name, runs["harness"], runs["engine"])
    return runs["engine"]
