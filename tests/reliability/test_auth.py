"""Wrong, foreign, unregistered, missing and expired credentials fail fast, name the config key to fix,
and send at most one request per API call (no retry storm)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms import Device
from pulumi_iotcomms._auth import PrivateKeyAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.device import DeviceApi
from pulumi_iotcomms.errors import UnauthorizedError
from pulumi_iotcomms.testing.harness import ProviderError, Secret
from tests.emulator_client import DOMAIN, OTHER_TOKEN, EmulatorClient
from tests.reliability._util import harness, register_public_key, rsa_key_pair

DEVICES = f"/provisioning/device/{DOMAIN}"
NO_TOKEN = {"iotcomms:token": ""}

CREDENTIALS: dict[str, tuple[dict[str, Any], str, int | None]] = {
    "wrong token": ({"iotcomms:token": Secret("not-a-valid-token")}, "iotcomms:token", 401),
    "other domain's token": ({"iotcomms:token": Secret(OTHER_TOKEN)}, "iotcomms:token", 403),
    "unregistered key": ({**NO_TOKEN, "iotcomms:privateKey": Secret(rsa_key_pair()[0])}, "iotcomms:privateKey", 401),
    "no credentials": (NO_TOKEN, "iotcomms:token", None),
}
"""config overrides → the config key the message must name, and the status the emulator answers (None: no request)."""


def test_emulator_answers_401_without_token_and_403_for_another_domain(emulator: EmulatorClient) -> None:
    emulator.fail("GET", DEVICES, 401, auth=False)
    emulator.fail("GET", DEVICES, 403, token=OTHER_TOKEN)


@pytest.mark.parametrize("case", list(CREDENTIALS))
def test_bad_credential_fails_fast_naming_the_key(emulator: EmulatorClient, tmp_path: Path, case: str) -> None:
    config, key, status = CREDENTIALS[case]
    stack = harness(emulator, tmp_path, **config)
    started = time.monotonic()
    with pytest.raises(ProviderError) as info:
        stack.up(lambda: Device("d", domain=DOMAIN, device_id="unit-1", auth_type="deviceid"))
    assert time.monotonic() - started < 5
    assert key in info.value.message
    assert "<redacted>" not in info.value.message  # the reason is the server's prose, kept readable
    log = emulator.requests()
    assert {r["status"] for r in log} == ({status} if status else set())
    assert max(Counter((r["method"], r["path"]) for r in log).values(), default=0) <= 1


def test_expired_jwt_is_not_retried(emulator: EmulatorClient) -> None:
    private = register_public_key(emulator)
    emulator.clear_requests()
    an_hour_ago = PrivateKeyAuth(private, clock=lambda: time.time() - 3600)
    with Transport(emulator.url, an_hour_ago, max_retries=4) as transport, pytest.raises(UnauthorizedError) as info:
        DeviceApi(transport).get(DOMAIN, "unit-1")
    assert "token expired" in str(info.value)  # the server's reason, readable, not redacted away
    assert "iotcomms:privateKey" in str(info.value)
    assert [r["status"] for r in emulator.requests()] == [401]
