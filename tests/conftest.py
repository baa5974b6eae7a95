"""Shared fixtures: the emulator of our pytest plugin (pulumi_iotcomms.testing) with our tenants, reset before
each test; a moto server and an emulator that delivers events to it."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from pulumi_iotcomms import testing
from pulumi_iotcomms.resources import _claims
from pulumi_iotcomms.testing import EmulatorOptions
from tests._aws import Aws, moto_server
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient

#: The tenants of the test emulators (the plugin's options).
OPTIONS = EmulatorOptions(tenants={DOMAIN: TOKEN, OTHER_DOMAIN: OTHER_TOKEN})


@pytest.fixture(scope="session")
def iotcomms_emulator_options() -> EmulatorOptions:
    """Our tests' tenants for the plugin's emulator (pulumi_iotcomms.testing: we are its first user)."""
    return OPTIONS


@pytest.fixture
def emulator(iotcomms_emulator: testing.EmulatorClient) -> Iterator[EmulatorClient]:
    """The plugin's emulator for the session, reset to empty (no objects, faults or log) before the test."""
    with EmulatorClient(iotcomms_emulator.url) as client:
        yield client


@pytest.fixture(scope="session")
def aws() -> Iterator[Aws]:
    """One moto server (SNS, SQS) per test session."""
    with moto_server() as server:
        yield server


@pytest.fixture
def events_emulator(aws: Aws, iotcomms_emulators: Any) -> Iterator[EmulatorClient]:
    """An emulator of the plugin's that delivers events (SNS to the session's moto server, HTTP callbacks to
    loopback too), reset to empty first (deliveries included)."""
    running = iotcomms_emulators.get(replace(OPTIONS, aws_endpoint=aws.url))
    running.client.reset()
    with EmulatorClient(running.url) as client:
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
