"""The adopt paths the export relies on: adopting an object equal to its declaration writes nothing.

Two resources wrote anyway and were fixed: an IVR fallback whose write-only ``expiration`` was always
sent (now only when a period is given, or a timestamp other than the server's ``ttl``), and settings
whose server object holds fields the model does not know (the profile's create-only fields), compared
whole before (now as the model sees them, as refresh does). ``DeviceFleet.from_csv(credentials=...)``
keeps the ha1s out of the CSV file.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms.errors import InputError
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.current_user_profile import CurrentUserProfileProvider
from pulumi_iotcomms.resources.device_fleet import DeviceFleet, _file_credentials, _merged
from pulumi_iotcomms.resources.ivr_fallback import IvrFallbackProvider
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.resources._provider_cases import writes

NUMBER = "46812345"
URL = f"/cache/{DOMAIN}/ivrfallback/{NUMBER}"
COMMAND = {"action": {"type": "call", "dest_addr": "sip:on-call@pbx.example.com"}}
WIRE = {
    "mode": "onError",
    "expiration": "MONTH",
    "command": {"action": {"type": "call", "destAddr": COMMAND["action"]["dest_addr"]}},
}


def _configured(provider: Any, emulator: EmulatorClient) -> Any:
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN, max_retries=1)
    return provider


def _fallback(emulator: EmulatorClient, **inputs: Any) -> list[tuple[str, str, Any]]:
    provider = _configured(IvrFallbackProvider(), emulator)
    props = {"domain": DOMAIN, "number": NUMBER, "mode": "onError", "command": COMMAND, "adopt": True, **inputs}
    emulator.clear_requests()
    provider.create(props)
    return writes(emulator)


def test_an_equal_ivr_fallback_is_adopted_without_a_write_unless_its_expiration_says_otherwise(
    emulator: EmulatorClient,
) -> None:
    emulator.ok("PUT", URL, json=WIRE)
    ttl = emulator.ok("GET", URL)["data"]["ttl"]
    assert _fallback(emulator) == []  # expiration left out: the server's ttl is kept
    assert emulator.ok("GET", URL)["data"]["ttl"] == ttl
    assert _fallback(emulator, expiration=ttl) == []  # the server's ttl itself
    assert [m for m, _, _ in _fallback(emulator, expiration="MONTH")] == ["PUT"]  # a period restarts
    later = int(time.time()) + 86400 * 400
    assert [m for m, _, _ in _fallback(emulator, expiration=later)] == ["PUT"]
    assert [m for m, _, _ in _fallback(emulator, mode="always")] == ["PUT"]  # a field differs


def test_a_profile_equal_in_its_modelled_fields_is_adopted_without_a_write(emulator: EmulatorClient) -> None:
    profile = {"firstName": "Ada", "lastName": "Lovelace", "useCase": "alarms", "termsAgreed": 1}
    emulator.ok("POST", "/provisioning/currentuser/profile", json=profile)
    provider = _configured(CurrentUserProfileProvider(), emulator)
    emulator.clear_requests()
    created = provider.create({"domain": DOMAIN, "adopt": True, "first_name": "Ada", "last_name": "Lovelace"})
    assert writes(emulator) == []
    assert emulator.ok("GET", "/provisioning/currentuser/profile")["profile"] == profile  # create-only fields kept
    assert created.outs is not None
    assert created.outs["first_name"] == "Ada"
    # A modelled field that differs is set, whole, as before.
    provider.create({"domain": DOMAIN, "adopt": True, "first_name": "Grace", "last_name": "Lovelace"})
    assert [m for m, _, _ in writes(emulator)] == ["PUT"]


class _Recorded(DeviceFleet, module="iotcomms", name="DeviceFleet"):
    """Records what ``from_csv`` declares instead of registering it (no Pulumi runtime in this process)."""

    def __init__(self, resource_name: str, **kwargs: Any) -> None:
        self.declared = {"resource_name": resource_name, **kwargs}


def test_fleet_credentials_stay_apart_from_the_plain_devices(tmp_path: Path) -> None:
    csv = tmp_path / "f.csv"
    csv.write_text("deviceId,authType\na,credentials\nb,deviceid\n")
    given = {"a": {"ha1": "1" * 32, "other": "x"}}
    devices = _Recorded.from_csv("fleet", csv, credentials=given).declared["devices"]
    # The devices are the file's, plain; the credentials travel beside them (program_args sends them apart).
    assert devices == [{"device_id": "a", "auth_type": "credentials"}, {"device_id": "b", "auth_type": "deviceid"}]
    assert devices.credentials is given
    assert _file_credentials(csv, devices, given) == {"a": {"ha1": "1" * 32}}
    assert _merged({"a": {"password": "p"}}, {"a": {"ha1": "h"}, "b": {}}) == {
        "a": {"password": "p", "ha1": "h"},
        "b": {},
    }
    with pytest.raises(InputError, match=r"f.csv: credentials for device ids the file does not have: zz") as info:
        _file_credentials(csv, devices, {"zz": {"ha1": "secret-value"}})
    assert "secret-value" not in str(info.value)
