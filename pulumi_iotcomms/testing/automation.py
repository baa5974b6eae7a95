"""A :class:`~pulumi_iotcomms.testing.harness.scenario.ScenarioRunner` backed by the Pulumi Automation API.

Each scenario gets its own local file backend (``file://<workdir>/backend``), passphrase
secrets provider and ``PULUMI_HOME``, so nothing touches the user's Pulumi setup. Programs
are inline (the same callables the in-process harness runs) or a project's program directory,
linked into the workdir with a ``Pulumi.yaml`` of the scenario's project (so the CLI writes its
``Pulumi.<stack>.yaml`` there, never into the repository); the CLI launches
``pulumi-resource-pulumi-python`` for the dynamic providers, which runs
``python -u -m pulumi.dynamic`` from ``PULUMI_RUNTIME_VIRTUALENV`` -- set to this
interpreter's environment -- with the repository on ``PYTHONPATH``.

Per-resource step kinds come from engine events and are normalized to the scenario
vocabulary: replacement ops fold into ``replace`` -- including the ``delete-replaced`` of the
old URN when the replacement took over an aliased resource (its events carry that URN as
``old``); a lone ``delete-replaced``, i.e. a pending delete left by an earlier run, is a
``delete``. During a refresh, a step whose new state is missing is ``drop`` and one whose
inputs/outputs changed is ``refresh``. The stack resource and provider resources are ignored.

Which events count: in a preview and a refresh every step's pre-event; otherwise a step
counts once it completed (its outputs event), except component resources, whose outputs
event only comes with ``register_outputs`` (``stepExecutor.ExecuteRegisterResourceOutputs``):
their step is done at registration, so their pre-event counts.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto
from pulumi.automation.events import EngineEvent, StepEventMetadata

from pulumi_iotcomms.testing.harness.host import default_pythonpath
from pulumi_iotcomms.testing.harness.props import Secret
from pulumi_iotcomms.testing.harness.scenario import Operation, Scenario, ScenarioStep, StepOutcome, leaves

__all__ = [
    "IGNORED_TYPE_PREFIXES",
    "LEFTOVER_DELETE_OPS",
    "NOT_LINKED",
    "PASSPHRASE",
    "REPLACE_OPS",
    "AutomationRunner",
    "config_text",
    "config_values",
    "engine_required",
    "is_component",
    "link_program",
    "normalize",
    "program_directory",
    "pulumi_cli",
    "workspace_options",
]

PASSPHRASE = "harness-passphrase"
"""Passphrase of the throw-away stacks."""

REPLACE_OPS = {"replace", "create-replacement"}
LEFTOVER_DELETE_OPS = {"delete-replaced", "discard-replaced"}  # alone: a pending delete from a past run
IGNORED_TYPE_PREFIXES = ("pulumi:pulumi:Stack", "pulumi:providers:")


def pulumi_cli() -> str | None:
    """Path of the ``pulumi`` CLI, or ``None`` when it is not installed."""
    return shutil.which("pulumi")


def workspace_options(
    workdir: Path,
    project: str,
    *,
    env: Mapping[str, str] | None = None,
    pythonpath: Sequence[Path] = (),
    work_dir: Path | None = None,
) -> auto.LocalWorkspaceOptions:
    """A throw-away engine for ``project``: file backend and ``PULUMI_HOME`` under ``workdir``,
    passphrase secrets, this interpreter's environment for programs and dynamic providers, and the
    repository (plus ``pythonpath``) importable by the provider host, which unpickles our providers."""
    backend, home = workdir / "backend", workdir / "pulumi-home"
    for directory in (backend, home, *([work_dir] if work_dir else [])):
        directory.mkdir(parents=True, exist_ok=True)
    paths = [*default_pythonpath(pythonpath), os.environ.get("PYTHONPATH", "")]
    variables = {
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_RUNTIME_VIRTUALENV": sys.prefix,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        **(env or {}),
    }
    settings = auto.ProjectSettings(
        name=project,
        runtime=auto.ProjectRuntimeInfo(name="python", options={"virtualenv": sys.prefix}),
        backend=auto.ProjectBackend(url=backend.as_uri()),
    )
    return auto.LocalWorkspaceOptions(
        work_dir=str(work_dir) if work_dir else None,
        pulumi_home=str(home),
        env_vars=variables,
        secrets_provider="passphrase",
        project_settings=settings,
    )


def engine_required() -> pytest.MarkDecorator:
    """The mark of the real-engine tests: skip without a ``pulumi`` on PATH, saying why, unless
    ``IOTCOMMS_REQUIRE_ENGINE`` is set (``make e2e``), where a missing engine fails every test."""
    if pulumi_cli() is not None or not os.environ.get("IOTCOMMS_REQUIRE_ENGINE"):
        return pytest.mark.skipif(
            pulumi_cli() is None,
            reason="the Pulumi CLI is not installed (no `pulumi` on PATH); the Automation API runner needs it "
            "(`make engine` builds it with Go; `make e2e` requires it)",
        )
    return pytest.mark.usefixtures("iotcomms_missing_engine")  # the plugin's fixture: fails the test


def config_text(value: Any) -> str:
    """A config value as the CLI stores it: strings as they are, anything else (numbers, lists,
    objects) as JSON, which ``Config.get_int``/``get_object`` parse as they parse a YAML value."""
    inner = value.value if isinstance(value, Secret) else value
    return inner if isinstance(inner, str) else json.dumps(inner)


NOT_LINKED = ("Pulumi.yaml", "Pulumi.*.yaml", ".pulumi", ".git", ".venv", "venv", "__pycache__", ".emulator.*")


def link_program(directory: Path, project_dir: Path) -> None:
    """Make ``project_dir`` the program ``directory`` as the CLI sees it, without its project and stack
    files (the runner writes its own): a symlink per entry, so the repository root is cheap too."""
    project_dir.mkdir(parents=True, exist_ok=True)
    for entry in sorted(directory.iterdir()):
        link = project_dir / entry.name
        if not any(fnmatch.fnmatch(entry.name, pattern) for pattern in NOT_LINKED) and not link.exists():
            link.symlink_to(entry)


def config_values(config: Mapping[str, Any]) -> dict[str, auto.ConfigValue]:
    """Scenario config (secrets wrapped in ``Secret``) as the Automation API sets it."""
    return {key: auto.ConfigValue(config_text(value), isinstance(value, Secret)) for key, value in config.items()}


def program_directory(scenario: Scenario) -> Path | None:
    """The program directory of a scenario whose programs are a project directory, else ``None``."""
    directories = {Path(step.program) for step in scenario.steps if isinstance(step.program, (str, os.PathLike))}
    if len(directories) > 1 or (directories and any(callable(step.program) for step in scenario.steps)):
        raise TypeError(f"{scenario.name}: the Automation runner runs one program directory or inline programs")
    return next(iter(directories), None)


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _state_changed(meta: StepEventMetadata) -> bool:
    old, new = meta.old, meta.new
    if old is None or new is None:
        return True
    return bool(old.outputs != new.outputs or old.inputs != new.inputs)


def _op(meta: StepEventMetadata) -> str:
    return str(meta.op.value if hasattr(meta.op, "value") else meta.op)


def is_component(meta: StepEventMetadata) -> bool:
    """Whether the step is for a component resource (not custom)."""
    state = meta.new or meta.old
    return state is not None and not state.custom


def normalize(op: Operation, metas: list[StepEventMetadata]) -> dict[str, str]:
    """Fold engine step events into ``{resource name: kind}`` (``same`` omitted)."""
    ops: dict[str, set[str]] = {}
    refreshes: dict[str, StepEventMetadata] = {}
    # A replacement that took over an aliased resource deletes the old instance under its old URN.
    replaced_aliases = {
        meta.old.urn: meta.urn
        for meta in metas
        if _op(meta) in REPLACE_OPS and meta.old is not None and meta.old.urn != meta.urn
    }
    for meta in metas:
        if meta.type.startswith(IGNORED_TYPE_PREFIXES):
            continue
        value = _op(meta)
        urn = meta.urn
        if value in LEFTOVER_DELETE_OPS and urn in replaced_aliases:
            urn = replaced_aliases[urn]
        ops.setdefault(_name(urn), set()).add(value)
        if value == "refresh":
            refreshes[_name(meta.urn)] = meta
    changes: dict[str, str] = {}
    for name, seen in ops.items():
        if seen & REPLACE_OPS:
            kind = "replace"
        elif op == "refresh":
            refreshed = refreshes.get(name)
            if "delete" in seen or (refreshed is not None and refreshed.new is None):
                kind = "drop"
            elif "update" in seen or (refreshed is not None and _state_changed(refreshed)):
                kind = "refresh"
            else:
                kind = "same"
        else:
            kind = next((k for k in ("create", "update", "delete") if k in seen), "same")
            if kind == "same" and seen & LEFTOVER_DELETE_OPS:
                kind = "delete"
        if kind != "same":
            changes[name] = kind
    return changes


class AutomationRunner:
    """Runs scenario steps with ``pulumi.automation`` against a local file backend."""

    def __init__(self) -> None:
        """The CLI must be on ``PATH`` (see :func:`pulumi_cli`)."""
        self.stack: auto.Stack | None = None
        self.program: Any = None

    def open(self, scenario: Scenario, workdir: Path) -> None:
        """Create the backend, the project settings and the stack; set the config.

        A scenario whose programs are a directory (all the same one) runs it as the CLI runs a
        project: the directory, linked into ``workdir``, is the workspace's work dir (stacks of one project opened
        with the same ``workdir`` share it and the backend, side by side)."""
        directory = program_directory(scenario)
        if directory is None:
            options = workspace_options(workdir, scenario.project, env=scenario.env)
            self.stack = auto.create_or_select_stack(
                stack_name=scenario.stack, project_name=scenario.project, program=lambda: None, opts=options
            )
        else:
            project_dir = workdir / "project"
            link_program(directory, project_dir)
            options = workspace_options(workdir, scenario.project, env=scenario.env, work_dir=project_dir)
            self.stack = auto.create_or_select_stack(stack_name=scenario.stack, work_dir=str(project_dir), opts=options)
        self.stack.set_all_config(config_values(scenario.config(workdir)))

    def run(self, step: ScenarioStep) -> StepOutcome:
        """Run one operation, collecting step events; errors are returned, not raised."""
        stack = self.stack
        if stack is None:
            raise RuntimeError("AutomationRunner.open() was not called")
        if callable(step.program):
            self.program = step.program
        if step.config:
            stack.set_all_config(config_values(step.config))
        metas: list[StepEventMetadata] = []
        lock = threading.Lock()

        def on_event(event: EngineEvent) -> None:
            pre = event.resource_pre_event
            post = event.res_outputs_event
            meta = (post.metadata if post is not None else None) or (pre.metadata if pre is not None else None)
            if meta is not None and (
                step.op in ("preview", "refresh") or post is not None or (pre is not None and is_component(meta))
            ):
                with lock:
                    metas.append(meta)

        result: Any = None
        error: BaseException | None = None
        try:
            if step.op == "preview":
                result = stack.preview(program=self.program, on_event=on_event)
            elif step.op == "up":
                result = stack.up(program=self.program, on_event=on_event)
            elif step.op == "refresh":
                result = stack.refresh(on_event=on_event)
            else:
                result = stack.destroy(on_event=on_event)
        except auto.CommandError as err:
            error = err
        outputs: dict[str, Any] = {}
        secret: frozenset[str] = frozenset()
        if error is None and step.op == "up":
            # UpResult already holds them (Stack.up reads them with `pulumi stack output`): no second CLI call.
            outputs = {key: value.value for key, value in result.outputs.items()}
            secret = frozenset(key for key, value in result.outputs.items() if value.secret)
            # ... but only marks outputs secret as a whole; the CLI's own view shows nested secrets too.
            if any(isinstance(value.value, (dict, list)) for value in result.outputs.values()):
                shown = json.loads(self.cli("stack", "output", "--json"))
                # `pulumi stack output --json` without --show-secrets shows each secret as "[secret]".
                secret = frozenset(key for key, value in shown.items() if "[secret]" in leaves(value))
        elif error is None and step.op == "refresh":
            outputs = {key: value.value for key, value in stack.outputs().items()}
        return StepOutcome(step.op, normalize(step.op, metas), outputs, error, result, secret)

    def cli(self, *args: str) -> str:
        """Run ``pulumi <args> --stack <stack>`` as a user would, in the workspace (its backend, home,
        passphrase and work dir); returns stdout, raises on a non-zero exit."""
        stack = self.stack
        if stack is None:
            raise RuntimeError("AutomationRunner.open() was not called")
        workspace = stack.workspace
        env = {**os.environ, **workspace.env_vars}
        if workspace.pulumi_home:
            env["PULUMI_HOME"] = workspace.pulumi_home
        done = subprocess.run(
            ["pulumi", *args, "--stack", stack.name, "--non-interactive"],
            cwd=workspace.work_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def close(self) -> None:
        """Forget the stack (its backend lives in the scenario workdir)."""
        self.stack = None
