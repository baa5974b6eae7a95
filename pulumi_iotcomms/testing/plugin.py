"""The pytest plugin (entry point ``pytest11: iotcomms``): fixtures for testing a configuration against the emulator.

- ``iotcomms_emulator_options`` -- override it (any scope) to choose tenants, tokens, SQLite state, the AWS
  endpoint or more :class:`~pulumi_iotcomms.emulator.Emulator` arguments; default: one tenant ``test.example``.
- ``iotcomms_emulator`` -- an :class:`~pulumi_iotcomms.testing.EmulatorClient` of an emulator with those options,
  emptied before the test (one emulator per distinct options is kept for the session).
- ``iotcomms_stack`` -- a factory: ``iotcomms_stack(program, config=..., stack=...)`` gives a
  :class:`~pulumi_iotcomms.testing.TestStack` aimed at ``iotcomms_emulator``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from .emulator import EmulatorClient, EmulatorOptions, RunningEmulator, start_emulator
from .stack import Program, TestStack

__all__ = [
    "iotcomms_emulator",
    "iotcomms_emulator_options",
    "iotcomms_emulators",
    "iotcomms_missing_engine",
    "iotcomms_stack",
]


class _Emulators:
    """The session's emulators, one per distinct :class:`EmulatorOptions`."""

    def __init__(self) -> None:
        self._running: dict[str, RunningEmulator] = {}
        self._stack = ExitStack()

    def get(self, options: EmulatorOptions) -> RunningEmulator:
        key = repr(options)
        if key not in self._running:
            self._running[key] = self._stack.enter_context(start_emulator(options))
        return self._running[key]

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def iotcomms_emulator_options() -> EmulatorOptions:
    """The emulator's options; override this fixture to change them."""
    return EmulatorOptions()


@pytest.fixture(scope="session")
def iotcomms_emulators() -> Iterator[_Emulators]:
    """The emulators started in this session (stopped at its end)."""
    emulators = _Emulators()
    yield emulators
    emulators.close()


@pytest.fixture
def iotcomms_emulator(iotcomms_emulator_options: EmulatorOptions, iotcomms_emulators: _Emulators) -> EmulatorClient:
    """An emulator with ``iotcomms_emulator_options``, reset to empty (objects, faults, request log, deliveries)."""
    client = iotcomms_emulators.get(iotcomms_emulator_options).client
    client.reset()
    return client


@pytest.fixture
def iotcomms_stack(iotcomms_emulator: EmulatorClient, tmp_path: Path) -> Iterator[Callable[..., TestStack]]:
    """``iotcomms_stack(program, **options)``: a :class:`TestStack` of ``program`` against ``iotcomms_emulator``
    (options as :class:`TestStack` takes them; each stack's state under the test's ``tmp_path``)."""
    made: list[TestStack] = []

    def make(program: Program, **options: Any) -> TestStack:
        workdir = options.pop("workdir", None) or tmp_path / f"stack-{len(made)}"
        stack = TestStack(program, emulator=options.pop("emulator", iotcomms_emulator), workdir=workdir, **options)
        made.append(stack)
        return stack

    yield make
    for stack in made:
        stack.close()


@pytest.fixture
def iotcomms_missing_engine() -> None:
    """Fails the test: ``IOTCOMMS_REQUIRE_ENGINE`` asks for the real engine and no ``pulumi`` is on ``PATH``."""
    pytest.fail("IOTCOMMS_REQUIRE_ENGINE is set but no `pulumi` is on PATH: run `make engine`, put its bin dir first")
