"""SiprecService through the engine protocol: take over only with adopt, update by PUT, restore the
earlier settings exactly on destroy (the shared settings lifecycle; the details are in
test_notification_settings.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms import SiprecService
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.siprec_service import SiprecServiceProvider
from pulumi_iotcomms.testing.harness import Harness, ProviderError, Secret
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.resources._lifecycle import config_for, lifecycle_scenario
from tests.resources._settings_lifecycle import settings_lifecycle, stored, writes

KIND = "siprecservice"
PATH = f"/provisioning/{KIND}/{DOMAIN}"
EARLIER: dict[str, Any] = {"sipEventsTopic": "arn:aws:sns:eu-north-1:123456789012:siprec", "httpTimeout": 3000}


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    life = settings_lifecycle(SiprecService, KIND, emulator)
    run_scenario(lifecycle_scenario(life, emulator), HarnessRunner(), tmp_path)


def _program(**extra: Any) -> Callable[[], None]:
    def run() -> None:
        SiprecService("siprec", domain=DOMAIN, http_timeout=6000, **extra)

    return run


def test_settings_already_set_need_adopt_and_come_back_exactly(emulator: EmulatorClient, tmp_path: Path) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    emulator.clear_requests()
    stack = Harness(state_dir=tmp_path, project="iotcomms-tests", config=config_for(emulator))
    with pytest.raises(ProviderError) as info:
        stack.up(_program())
    assert f"ConflictingObjectError: SiprecService {DOMAIN}/{KIND} already exists" in info.value.details
    assert writes(emulator) == []

    assert stack.up(_program(adopt=True)).changes == {"siprec": "create"}
    assert stored(emulator, KIND) == {"httpTimeout": 6000}
    recorded = stack.state.by_name("siprec").outputs["previous_settings"]
    assert isinstance(recorded, Secret)
    assert json.loads(recorded.value) == EARLIER
    stack.destroy()
    after = stored(emulator, KIND)
    assert after == EARLIER
    assert type(after["httpTimeout"]) is int


def test_state_of_the_earlier_release_is_restored_with_integers(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", PATH, json={"httpTimeout": 6000})
    provider = SiprecServiceProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    old_state = {"domain": DOMAIN, "http_timeout": 6000.0, "previous_settings": {**EARLIER, "httpTimeout": 3000.0}}
    provider.delete(f"{DOMAIN}/{KIND}", old_state)
    after = stored(emulator, KIND)
    assert after == EARLIER
    assert type(after["httpTimeout"]) is int
