"""Shared fixtures: a real emulator on a free loopback port, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from pulumi_iotcomms.resources import _claims
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """One emulator per test session (admin endpoints on), in a background thread."""
    emu = Emulator(admin=True, tokens=[(DOMAIN, TOKEN), (OTHER_DOMAIN, OTHER_TOKEN)])
    with EmulatorServer(emu) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorClient]:
    """A client for the session's emulator, reset to empty (no objects, faults or log) first."""
    with EmulatorClient(emulator_server.url) as client:
        client.reset()
        yield client


@pytest.fixture(autouse=True)
def _fresh_claims() -> Iterator[None]:
    """Each test is its own deployment: claims made by providers called in this process start empty."""
    _claims.reset()
    yield
    _claims.reset()
