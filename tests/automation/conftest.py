"""Fixtures of the real-engine tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def missing_engine() -> None:
    """Fails the test: ``IOTCOMMS_REQUIRE_ENGINE`` (``make e2e``) asks for the engine and none is on PATH."""
    pytest.fail("IOTCOMMS_REQUIRE_ENGINE is set but no `pulumi` is on PATH: run `make engine`, put its bin dir first")
