"""Fixtures for the API tests: a Transport to the (freshly reset) emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from tests.emulator_client import TOKEN, EmulatorClient


@pytest.fixture
def transport(emulator: EmulatorClient) -> Iterator[Transport]:
    """A Transport to the emulator, authenticated as DOMAIN; no retries, to keep failures plain."""
    with Transport(emulator.url, TokenAuth(TOKEN), max_retries=0) as t:
        yield t
