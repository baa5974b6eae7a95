"""Bad input: the corpus is rejected at ``check`` (or by the bulk CSV renderer) naming the property path and
what is allowed, and no request reaches the server; a sample shows the path reaches the user in a preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pulumi_iotcomms.resources as resources
from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.device import Authorized, Device, DeviceApi
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.testing.harness import CheckFailedError
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.reliability._util import harness, wait_until
from tests.reliability.corpus import BASES, Case, corpus, csv_cases, problems, run_corpus, under

CATEGORIES = {
    "enum", "pattern", "range", "length", "required", "https-url", "format", "dependent", "id", "domain", "type",
    "unknown-property",
}  # fmt: skip
PREVIEW_SAMPLE = {
    ("Device", "auth_type: not a member"),
    ("MediaService", "callback_base_url: check_https"),
    ("Trunk", "user_name alone"),
    ("AlarmBridge", "alarm_bridge_id: traversal"),
    ("SiteHost", "IPv4 prefix over 32"),
}


def test_corpus_is_rejected_before_any_request(emulator: EmulatorClient) -> None:
    cases = corpus()
    assert len(cases) + len(csv_cases()) >= 100
    assert {c.category for c in cases} == CATEGORIES
    assert {c.provider for c in cases} == set(BASES)
    found, tried = problems(emulator.url)
    assert found == [], "\n".join(found)
    assert tried == len(cases) + len(csv_cases())
    assert emulator.requests() == []


def test_run_corpus_reports_every_case_caught(emulator: EmulatorClient) -> None:
    caught, tried, reaching = run_corpus(emulator)
    assert (caught, reaching) == (tried, 0)


def test_every_base_is_valid(emulator: EmulatorClient) -> None:
    """Each case breaks exactly one thing of a valid base, so the base itself must pass."""
    for provider, inputs in BASES.items():
        instance = provider()
        instance._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
        assert instance.check({}, {"resource_name": "res", **inputs}).failures == [], provider.spec.name


def _program(case: Case) -> Any:
    resource = getattr(resources, case.provider.spec.name)
    inputs = {k: v for k, v in case.inputs.items() if k != "resource_name"}
    return lambda: resource("res", **inputs)


def test_failing_path_reaches_the_user_in_a_preview(emulator: EmulatorClient, tmp_path: Path) -> None:
    sample = [c for c in corpus() if (c.provider.spec.name, c.label) in PREVIEW_SAMPLE]
    assert len(sample) == len(PREVIEW_SAMPLE)
    stack = harness(emulator, tmp_path, **{"iotcomms:domain": DOMAIN})
    for case in sample:
        with pytest.raises(CheckFailedError) as info:
            stack.preview(_program(case))
        assert [p for p, _ in info.value.failures if under(p, case.path)], info.value.failures
        assert f"property {case.path} value " in str(info.value)
    assert emulator.requests() == []


def test_bulk_upload_round_trips(emulator: EmulatorClient) -> None:
    devices = [
        Device(device_id="+46701234567", auth_type="deviceid", description="-5", device_cli="+46701234567"),
        Device(device_id="unit-7", auth_type="deviceid", service_data={"alarmBridge": {"heartbeatInterval": 300000}}),
        Device(
            device_id="app-1",
            auth_type="userid",
            password="pw",
            authorized=Authorized(domain=DOMAIN, register=True),
        ),
    ]
    with Transport(emulator.url, TokenAuth(TOKEN)) as transport:
        api = DeviceApi(transport)
        assert api.bulk_upload(DOMAIN, "bulk-1", devices) == {"success": True}
        wait_until(lambda: api.bulk_status(DOMAIN, "bulk-1")["status"] != "STARTED", what="the bulk job")
        status = api.bulk_status(DOMAIN, "bulk-1")
        assert status["status"] == "COMPLETED", status
        for device in devices:
            server = api.get(DOMAIN, device.device_id)
            assert server is not None
            assert {k: server.get(k) for k in device.to_wire()} == device.to_wire()
    (upload,) = [r for r in emulator.requests() if r["method"] == "PUT"]
    assert upload["body"].splitlines()[0].startswith("deviceId,authType,")
