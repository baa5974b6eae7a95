"""Hung requests: with every answer delayed beyond ``iotcomms:timeoutSeconds``, each operation fails within
the deadline naming that setting, and its provider host is gone; once the API answers again, the stack
converges with no duplicates."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pulumi_iotcomms import Device
from pulumi_iotcomms.testing.harness import Harness, ProviderError
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.reliability._util import counts, harness, wait_until

LATENCY_MS = 1500
"""Beyond the 1 s deadline; short, because the delayed request still lands (and is logged) afterwards."""


def _program() -> None:
    Device("d", domain=DOMAIN, device_id="unit-1", auth_type="deviceid")


def _fails_within_deadline(emulator: EmulatorClient, stack: Harness, operation: str) -> None:
    emulator.faults(latency_ms=LATENCY_MS, latency_rate=1.0)
    logged = len(emulator.requests())
    started = time.monotonic()
    with pytest.raises(ProviderError) as info:
        getattr(stack, operation)()
    assert time.monotonic() - started < 5, operation
    assert "deadline of 1 s exceeded" in info.value.message
    assert "iotcomms:timeoutSeconds" in info.value.message
    pid = info.value.result.host_pid  # type: ignore[attr-defined]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the host process was stopped and reaped
    # The delayed request is still answered later; let it land before going on.
    wait_until(lambda: len(emulator.requests()) > logged, what="the delayed request")
    emulator.faults()


def test_hung_requests_fail_each_operation_within_the_deadline(emulator: EmulatorClient, tmp_path: Path) -> None:
    stack = harness(emulator, tmp_path, **{"iotcomms:timeoutSeconds": "1"})
    stack.program = _program
    _fails_within_deadline(emulator, stack, "up")
    assert stack.up().changes == {"d": "create"}
    assert stack.preview().changes == {}
    assert counts(emulator) == {"device": 1}

    _fails_within_deadline(emulator, stack, "refresh")
    _fails_within_deadline(emulator, stack, "destroy")
    stack.destroy()
    assert counts(emulator) == {}
