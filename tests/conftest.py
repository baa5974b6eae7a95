"""Shared fixtures: a real emulator on a free loopback port, reset before each test; a moto server and an
emulator that delivers events to it."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pytest

from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from pulumi_iotcomms.resources import _claims
from tests._aws import Aws, moto_server
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


@pytest.fixture(scope="session")
def aws() -> Iterator[Aws]:
    """One moto server (SNS, SQS) per test session."""
    with moto_server() as server:
        yield server


@pytest.fixture(scope="session")
def events_emulator_server(aws: Aws) -> Iterator[EmulatorServer]:
    """An emulator that delivers events: SNS to the session's moto server, HTTP callbacks to loopback too."""
    emu = Emulator(
        admin=True,
        tokens=[(DOMAIN, TOKEN), (OTHER_DOMAIN, OTHER_TOKEN)],
        aws_endpoint=aws.url,
        allow_loopback_http=True,
    )
    with EmulatorServer(emu) as server:
        yield server
    emu.notifier.close()


@pytest.fixture
def events_emulator(events_emulator_server: EmulatorServer) -> Iterator[EmulatorClient]:
    """A client for the event-delivering emulator, reset to empty first (deliveries included)."""
    with EmulatorClient(events_emulator_server.url) as client:
        client.reset()
        yield client


_PICKLER_METHODS = {name: vars(pickle._Pickler).get(name) for name in ("_batch_setitems", "save_dict")}


@pytest.fixture(autouse=True)
def _unpatched_pickler() -> Iterator[None]:
    """Undo the pickler wrappers the SDK's serialize_provider adds once per dynamic resource declared
    and never removes: in one long test process their chain overflows the stack when pickling."""
    yield
    for name, method in _PICKLER_METHODS.items():
        if method is None:
            if name in vars(pickle._Pickler):
                delattr(pickle._Pickler, name)
        else:
            setattr(pickle._Pickler, name, method)


@pytest.fixture(autouse=True)
def _fresh_claims() -> Iterator[None]:
    """Each test is its own deployment: claims made by providers called in this process start empty."""
    _claims.reset()
    yield
    _claims.reset()
