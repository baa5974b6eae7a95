"""A user's program as a stack of a test: :class:`TestStack` runs ``preview``/``up``/``refresh``/``destroy`` of a
function or a Pulumi project directory against an emulator, through the real engine (the Pulumi CLI via the
Automation API) when one is on ``PATH``, else through the engine-protocol harness, and says which ran."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from .emulator import EmulatorClient
from .harness.foreign import ForeignProvider
from .harness.props import Secret
from .harness.scenario import HarnessRunner, Operation, Scenario, ScenarioRunner, ScenarioStep, StepOutcome

__all__ = ["ENGINE_VARIABLE", "Engine", "StackError", "StackResult", "TestStack", "choose_engine", "project_config"]

Engine = Literal["harness", "pulumi"]
#: Environment variable forcing the engine of every :class:`TestStack` (``harness`` or ``pulumi``).
ENGINE_VARIABLE = "IOTCOMMS_TEST_ENGINE"
Program = Callable[[], object] | str | os.PathLike[str]


def choose_engine(engine: str | None = None) -> Engine:
    """``engine``, else ``$IOTCOMMS_TEST_ENGINE``, else ``pulumi`` when the CLI is on ``PATH``, else ``harness``."""
    wanted = engine or os.environ.get(ENGINE_VARIABLE) or ("pulumi" if shutil.which("pulumi") else "harness")
    if wanted not in ("harness", "pulumi"):
        raise ValueError(f"engine must be 'harness' or 'pulumi', got {wanted!r} (from {ENGINE_VARIABLE}?)")
    if wanted == "pulumi" and shutil.which("pulumi") is None:
        raise RuntimeError("engine 'pulumi' asked for, but no `pulumi` CLI is on PATH")
    return "pulumi" if wanted == "pulumi" else "harness"


@dataclass(frozen=True)
class StackResult:
    """What one operation did.

    Args:
        operation: ``preview``, ``up``, ``refresh`` or ``destroy``.
        engine: which engine ran it: ``pulumi`` (the real CLI) or ``harness``.
        changes: resource name -> step kind (``create``, ``update``, ``replace``, ``delete``; a refresh:
            ``refresh`` for drift written to the state, ``drop`` for a resource gone); unchanged ones left out.
        outputs: the stack outputs, secrets revealed (in a preview, unknown values are ``UNKNOWN``).
        secret_outputs: the names of the outputs holding a secret.
        error: the failure, when the operation failed (see :meth:`TestStack.up`'s ``check``).
    """

    operation: Operation
    engine: Engine
    changes: dict[str, str]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded."""
        return self.error is None

    def describe(self) -> str:
        """One line: the operation, the engine and the changes, e.g. ``up (harness): create phone, update trunk``."""
        planned = ", ".join(f"{kind} {name}" for name, kind in sorted(self.changes.items())) or "no changes"
        failed = f"; failed: {self.error}" if self.error is not None else ""
        return f"{self.operation} ({self.engine}): {planned}{failed}"


class StackError(AssertionError):
    """A stack operation failed; ``result`` holds what it did."""

    def __init__(self, result: StackResult) -> None:
        super().__init__(result.describe())
        self.result = result


def project_config(directory: Path, stack: str) -> tuple[str, dict[str, Any]]:
    """A project's name and the config of its ``Pulumi.<stack>.yaml`` (none when there is no such file): plain
    values as written, ``secure:`` values as placeholder secrets ``test-<key>`` (set real ones with ``config``)."""
    settings = yaml.safe_load((directory / "Pulumi.yaml").read_text()) or {}
    stack_file = directory / f"Pulumi.{stack}.yaml"
    raw = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {} if stack_file.is_file() else {}
    config: dict[str, Any] = {}
    for key, value in raw.items():
        secure = isinstance(value, dict) and set(value) == {"secure"}
        config[str(key)] = Secret(f"test-{str(key).rsplit(':', 1)[-1]}") if secure else value
    return str(settings["name"]), config


class TestStack:
    """One stack of a user's program, aimed at a test emulator.

    Args:
        program: a function declaring resources, or a Pulumi project directory (``Pulumi.yaml``,
            ``__main__.py``; its ``Pulumi.<stack>.yaml`` config is used).
        emulator: the emulator client whose URL, tenant and token the stack uses (``iotcomms:endpoint``,
            ``iotcomms:domain``, ``iotcomms:token``, overriding the stack file's).
        workdir: where the state (and, for the real engine, the backend) lives.
        config: more stack config (``namespace:key`` or a bare key of the project); wrap secrets in
            :class:`~pulumi_iotcomms.testing.harness.Secret`.
        stack: the stack name.
        project: the project name of a function program (a directory's comes from its ``Pulumi.yaml``).
        engine: ``pulumi``, ``harness`` or None for :func:`choose_engine`.
        env: environment of the provider processes.
        providers: harness stand-ins for other providers' resources, by package (``{"aws": ...}``); the
            real engine would need those providers' plugins instead.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        program: Program,
        *,
        emulator: EmulatorClient,
        workdir: Path,
        config: Mapping[str, Any] | None = None,
        stack: str = "test",
        project: str = "iotcomms-test",
        engine: str | None = None,
        env: Mapping[str, str] | None = None,
        providers: Mapping[str, ForeignProvider] | None = None,
    ) -> None:
        self.engine: Engine = choose_engine(engine)
        self.program = program
        base: dict[str, Any] = {}
        if not callable(program):
            project, base = project_config(Path(program), stack)
        base.update(
            {
                "iotcomms:endpoint": emulator.url,
                "iotcomms:domain": emulator.domain,
                "iotcomms:token": Secret(emulator.token),
                **(config or {}),
            }
        )
        self.config = base
        self.runner: ScenarioRunner
        if self.engine == "pulumi":
            from .automation import AutomationRunner  # the Automation API needs the CLI; imported only then

            self.runner = AutomationRunner()
        else:
            self.runner = HarnessRunner(providers=dict(providers or {}))
        scenario = Scenario(
            name=f"{project}-{stack}",
            steps=[ScenarioStep("up", program)],
            config=lambda _workdir: dict(self.config),
            project=project,
            stack=stack,
            env=dict(env or {}),
        )
        self.runner.open(scenario, workdir)

    def _run(self, op: Operation, check: bool, config: Mapping[str, Any] | None) -> StackResult:
        program = self.program if op in ("preview", "up") else None
        outcome: StepOutcome = self.runner.run(ScenarioStep(op, program, config=config))
        result = StackResult(
            op, self.engine, dict(outcome.changes), dict(outcome.outputs), outcome.secret_outputs, outcome.error
        )
        if check and result.error is not None:
            raise StackError(result) from result.error
        return result

    def preview(self, *, check: bool = True, config: Mapping[str, Any] | None = None) -> StackResult:
        """``pulumi preview``: what ``up`` would do; nothing is written. ``config`` changes the stack config first;
        with ``check`` (the default) a failure raises :class:`StackError`, else it is in the result."""
        return self._run("preview", check, config)

    def up(self, *, check: bool = True, config: Mapping[str, Any] | None = None) -> StackResult:
        """``pulumi up``: create, update, replace and delete until the tenant matches the program."""
        return self._run("up", check, config)

    def refresh(self, *, check: bool = True) -> StackResult:
        """``pulumi refresh``: read every resource; drift and deletions are written to the state."""
        return self._run("refresh", check, None)

    def destroy(self, *, check: bool = True) -> StackResult:
        """``pulumi destroy``: delete every resource of the stack (settings are given back)."""
        return self._run("destroy", check, None)

    def close(self) -> None:
        """Release the runner (the state stays in ``workdir``)."""
        self.runner.close()
