"""The public entry point: :class:`Harness` (preview/up/refresh/destroy) and its results."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .engine import (
    Deployment,
    HarnessMocks,
    Program,
    ProgramError,
    StepRecord,
    program_directory,
    run_program,
)
from .foreign import ForeignProvider
from .host import ConfigValue, HarnessError, ProviderCall, ProviderHost, default_pythonpath
from .props import PropertyMap, Secret, reveal
from .state import StackState, StateStore

__all__ = ["Harness", "Operation", "OperationResult"]

Operation = Literal["preview", "up", "refresh", "destroy"]


@dataclass
class OperationResult:
    """What one operation did: steps per resource, stack outputs, provider calls, errors."""

    operation: Operation
    steps: list[StepRecord] = field(default_factory=list)
    outputs: PropertyMap = field(default_factory=dict)
    """Stack outputs (``pulumi.export``); ``Secret``-wrapped when secret, ``UNKNOWN`` in previews."""
    calls: list[ProviderCall] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    seconds: float = 0.0
    host_pid: int | None = None

    @property
    def kinds(self) -> dict[str, str]:
        """Logical resource name -> step kind, for every resource touched (incl. ``same``)."""
        return {step.name: step.kind for step in self.steps}

    @property
    def changes(self) -> dict[str, str]:
        """Like :attr:`kinds` without ``same`` steps; ``{}`` means "nothing to do"."""
        return {step.name: step.kind for step in self.steps if step.kind != "same"}

    def changed(self) -> bool:
        """Whether any step other than ``same`` was taken (or would be, for a preview)."""
        return bool(self.changes)

    @property
    def summary(self) -> dict[str, int]:
        """Count of steps per kind, e.g. ``{"create": 2, "same": 1}``."""
        return dict(Counter(step.kind for step in self.steps))

    @property
    def plain_outputs(self) -> PropertyMap:
        """Stack outputs with secret markers removed."""
        result: PropertyMap = reveal(self.outputs)
        return result

    def step(self, name: str) -> StepRecord:
        """The (last) step for the resource with logical name ``name``."""
        for step in reversed(self.steps):
            if step.name == name:
                return step
        raise KeyError(name)

    def calls_for(self, method: str | None = None, name: str | None = None) -> list[ProviderCall]:
        """Provider calls filtered by gRPC method and/or resource logical name."""
        return [
            call
            for call in self.calls
            if (method is None or call.method == method) and (name is None or call.urn.rsplit("::", 1)[-1] == name)
        ]


def _normalize_config(project: str, config: Mapping[str, Any]) -> dict[str, ConfigValue]:
    result: dict[str, ConfigValue] = {}
    for key, value in config.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, Secret):
            inner = value.value
            result[full] = Secret(inner if isinstance(inner, str) else json.dumps(inner))
        else:
            result[full] = value if isinstance(value, str) else json.dumps(value)
    return result


class Harness:
    """Runs a Pulumi Python program against the SDK's real dynamic-provider host.

    ``program`` is a callable, a directory with ``__main__.py`` or a ``.py`` file; it can
    be replaced between operations (``harness.program = ...`` or ``up(program)``, which
    also becomes the program of later operations).
    ``config`` keys are ``namespace:key`` (a bare key gets the project namespace); values
    are strings, :class:`~pulumi_iotcomms.testing.harness.props.Secret` for secret values, or anything
    JSON-serializable (passed as JSON text, like structured CLI config). ``env`` is added
    to this process's environment for the provider host; ``pythonpath`` (default:
    :func:`~pulumi_iotcomms.testing.harness.host.default_pythonpath`) lets the host import the modules that
    define pickled-by-reference providers. State lives in ``state_dir/<stack>.json``. ``providers``
    serve the resources of other packages by package name (``{"aws": ...}``, see :mod:`.foreign`).
    """

    def __init__(
        self,
        program: Program | None = None,
        *,
        state_dir: str | os.PathLike[str],
        project: str = "harness",
        stack: str = "dev",
        config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        pythonpath: Sequence[str | os.PathLike[str]] | None = None,
        call_timeout: float = 120.0,
        startup_timeout: float = 60.0,
        program_timeout: float = 600.0,
        providers: Mapping[str, ForeignProvider] | None = None,
    ) -> None:
        """Create a harness for one stack; nothing runs until an operation is called."""
        self.program = program
        self.providers: dict[str, ForeignProvider] = dict(providers or {})
        self.project = project
        self.stack = stack
        self.config: dict[str, ConfigValue] = _normalize_config(project, config or {})
        self.env = dict(env or {})
        self.pythonpath = list(pythonpath) if pythonpath is not None else None
        self.call_timeout = call_timeout
        self.startup_timeout = startup_timeout
        self.program_timeout = program_timeout
        self.store = StateStore(state_dir, project=project, stack=stack)
        self.history: list[OperationResult] = []

    # -- configuration / state -----------------------------------------------------------------

    def set_config(self, key: str, value: Any, *, secret: bool = False) -> None:
        """Set one config value (``secret=True`` marks it secret)."""
        self.config.update(_normalize_config(self.project, {key: Secret(value) if secret else value}))

    @property
    def state(self) -> StackState:
        """The persisted stack state, decrypted."""
        return self.store.load()

    @property
    def state_path(self) -> Path:
        """The JSON state file."""
        return self.store.path

    # -- operations ------------------------------------------------------------------------------

    def preview(self, program: Program | None = None) -> OperationResult:
        """Check + Diff every resource; no Create/Update/Delete; state is not written."""
        return self._run_program_operation("preview", program)

    def up(self, program: Program | None = None) -> OperationResult:
        """Deploy: create/update/replace what the program declares, delete the rest."""
        return self._run_program_operation("up", program)

    def refresh(self) -> OperationResult:
        """Read every resource; drift replaces stored outputs/inputs, vanished ones are dropped."""
        return self._run_state_operation("refresh")

    def destroy(self) -> OperationResult:
        """Delete every resource in reverse dependency order."""
        return self._run_state_operation("destroy")

    # -- internals -----------------------------------------------------------------------------

    def _new_host(self, program: Program | None) -> ProviderHost:
        directory = program_directory(program) if program is not None else None
        extra = [directory] if directory is not None else []
        pythonpath = [*extra, *self.pythonpath] if self.pythonpath is not None else default_pythonpath(extra)
        return ProviderHost(
            config=self.config,
            project=self.project,
            env=self.env,
            pythonpath=pythonpath,
            cwd=directory,
            call_timeout=self.call_timeout,
            startup_timeout=self.startup_timeout,
        )

    def _finish(
        self, result: OperationResult, deployment: Deployment, host: ProviderHost, started: float, save: bool
    ) -> OperationResult:
        result.steps = list(deployment.steps)
        result.errors = list(deployment.errors)
        result.calls = list(host.calls)
        result.seconds = time.monotonic() - started
        if save:
            self.store.save(deployment.snapshot())
        self.history.append(result)
        return result

    @staticmethod
    def _raise_first(result: OperationResult, errors: Sequence[BaseException]) -> None:
        if not errors:
            return
        first = errors[0]
        if isinstance(first, Exception):
            first.result = result  # type: ignore[attr-defined]
        raise first

    def _begin(
        self, operation: Operation, program: Program | None, *, preview: bool
    ) -> tuple[ProviderHost, OperationResult, Deployment]:
        """The host (started on first use), the result and a deployment over the saved state."""
        host = self._new_host(program)
        result = OperationResult(operation)

        def get_host() -> ProviderHost:
            if host.pid is None:
                host.start()
                result.host_pid = host.pid
            return host

        return (
            host,
            result,
            Deployment(olds=self.store.load(), preview=preview, host=get_host, providers=self.providers),
        )

    def _run_program_operation(self, operation: Operation, program: Program | None) -> OperationResult:
        if program is not None:
            self.program = program  # sticky: later operations reuse the last program
        program = self.program
        if program is None:
            raise HarnessError("no program given")
        preview = operation == "preview"
        started = time.monotonic()
        host, result, deployment = self._begin(operation, program, preview=preview)
        try:
            outputs, program_error = run_program(
                program,
                HarnessMocks(deployment),
                project=self.project,
                stack=self.stack,
                preview=preview,
                config={k: v.value if isinstance(v, Secret) else v for k, v in self.config.items()},
                secret_keys=[k for k, v in self.config.items() if isinstance(v, Secret)],
                timeout=self.program_timeout,
            )
            result.outputs = outputs
            if program_error is None and not deployment.errors:
                if not preview:
                    deployment.outputs = outputs
                deployment.delete_unseen()
            elif program_error is not None and not deployment.errors:
                err = ProgramError(f"the program failed: {program_error!r}")
                err.__cause__ = program_error
                deployment.fail(err)
        finally:
            host.close()
        self._finish(result, deployment, host, started, save=not preview)
        self._raise_first(result, deployment.errors)
        return result

    def _run_state_operation(self, operation: Operation) -> OperationResult:
        started = time.monotonic()
        host, result, deployment = self._begin(operation, self.program, preview=False)
        try:
            if operation == "refresh":
                deployment.refresh_all()
            else:
                deployment.destroy_all()
        finally:
            host.close()
        result.outputs = dict(deployment.outputs)
        self._finish(result, deployment, host, started, save=True)
        self._raise_first(result, deployment.errors)
        return result
