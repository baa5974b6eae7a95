"""The per-resource acceptance lifecycles of tests/resources, through the harness and the real engine.

The same :func:`~tests.resources._lifecycle.lifecycle_scenario` the in-process harness runs in
``tests/resources/test_<name>.py``, run by both against the same emulator and compared step by step
(:mod:`tests.automation.differential`). Skipped when the ``pulumi`` CLI is not installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.resources.test_alarm_bridge as alarm_bridge
import tests.resources.test_alarm_event_mapper as alarm_event_mapper
import tests.resources.test_api_key as api_key
import tests.resources.test_cloud_sip_ua as cloud_sip_ua
import tests.resources.test_device as device
import tests.resources.test_device_fleet as device_fleet
import tests.resources.test_ivr_fallback as ivr_fallback
import tests.resources.test_media_service as media_service
import tests.resources.test_notification_delivery as notification_delivery
import tests.resources.test_site_host as site_host
import tests.resources.test_trunk as trunk
from pulumi_iotcomms import NotificationSettings, SiprecService
from pulumi_iotcomms.resources._registry import REGISTRY
from pulumi_iotcomms.testing.automation import AutomationRunner, engine_required
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, ScenarioRunner
from tests._aws import Aws
from tests._http_server import ScriptedServer
from tests.automation.differential import masked, run_differential
from tests.emulator_client import EmulatorClient
from tests.resources._lifecycle import Lifecycle, lifecycle_scenario
from tests.resources._settings_lifecycle import settings_lifecycle
from tests.resources.test_current_user_profile import profile_lifecycle

pytestmark = engine_required()

LIVES: dict[str, Callable[[EmulatorClient], Lifecycle]] = {
    "Device": lambda _e: device.LIFE,
    "Trunk": lambda _e: trunk.LIFE,
    "MediaService": lambda _e: media_service.LIFE,
    "AlarmBridge": lambda _e: alarm_bridge.LIFE,
    "AlarmEventMapper": lambda _e: alarm_event_mapper.LIFE,
    "CloudSipUa": lambda _e: cloud_sip_ua.LIFE,
    "SiteHost": lambda _e: site_host.LIFE,
    "NotificationSettings": lambda e: settings_lifecycle(NotificationSettings, "notificationsettings", e),
    "SiprecService": lambda e: settings_lifecycle(SiprecService, "siprecservice", e),
    "IvrFallback": lambda _e: ivr_fallback.LIFE,
    "CurrentUserProfile": profile_lifecycle,
}


def test_every_resource_is_covered() -> None:
    # DeviceFleet (many devices in one resource) and ApiKey (nothing changes in place; the key runs a second
    # stack) have lifecycles of their own: test_fleet_with_real_engine, test_api_key_with_real_engine.
    # AutoFacilitateTrigger (trigger semantics, another API): tests/automation/test_alvaria.py.
    # ProvdPlugin and ProvdConfigParam (another server, no domain): tests/automation/test_provd.py.
    others = ["DeviceFleet", "ApiKey", "AutoFacilitateTrigger", "ProvdPlugin", "ProvdConfigParam"]
    assert sorted([*LIVES, *others]) == sorted(item.name for item in REGISTRY)


@pytest.mark.parametrize("name", sorted(LIVES))
def test_lifecycle_with_real_engine(name: str, emulator: EmulatorClient, tmp_path: Path) -> None:
    def make() -> Any:
        return lifecycle_scenario(LIVES[name](emulator), emulator)

    run_differential(make, tmp_path, emulator=emulator)


def test_fleet_with_real_engine(emulator: EmulatorClient, tmp_path: Path) -> None:
    # The server is the fleet's devices (bulk job records carry random ids and times).
    run_differential(
        lambda: device_fleet.fleet_scenario(emulator),
        tmp_path,
        emulator=emulator,
        server=lambda _ctx: masked(device_fleet.server_devices(emulator)),
    )


def test_api_key_with_real_engine(emulator: EmulatorClient, tmp_path: Path) -> None:
    # The server is the keys of both domains (generated tokens masked) and every object. The second stacks
    # a key runs go through the same kind of runner as the scenario: run_differential builds the scenario
    # for the harness first, then for the engine.
    nested: Iterator[type[ScenarioRunner]] = iter([HarnessRunner, AutomationRunner])
    run_differential(
        lambda: api_key.api_key_scenario(emulator, next(nested)),
        tmp_path,
        emulator=emulator,
        server=lambda _ctx: api_key.server_keys(emulator),
    )


def test_notification_delivery_with_real_engine(events_emulator: EmulatorClient, aws: Aws, tmp_path: Path) -> None:
    # The server is the domain's settings (each run has its own topic, masked).
    def settings(_ctx: Any) -> Any:
        doc = masked(events_emulator.objects().get("acme.example", {}).get("notificationsettings", {}).get(""))
        return {**doc, "alarmTopic": "<topic>"} if doc and "alarmTopic" in doc else doc

    with ScriptedServer() as receiver:
        run_differential(
            lambda: notification_delivery.delivery_scenario(events_emulator, aws, receiver),
            tmp_path,
            emulator=events_emulator,
            server=settings,
        )
