"""Ownership through the engine protocol: a create never takes over an existing object implicitly, a
rename needs ``aliases``, two resources never declare one server object, and no refactoring of the
program deletes an object that the program still declares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_iotcomms import Device, MediaService, SiteHost, Trunk
from pulumi_iotcomms.resources import _claims
from pulumi_iotcomms.resources._config import CREDENTIALS_PROBE
from pulumi_iotcomms.resources.trunk import TrunkProvider
from pulumi_iotcomms.testing.harness import CheckFailedError, Harness, ProviderError
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, EmulatorClient
from tests.reliability._util import harness, writes
from tests.resources import (
    test_alarm_bridge_provider,
    test_alarm_event_mapper_provider,
    test_cloud_sip_ua_provider,
    test_media_service_provider,
    test_trunk_provider,
)

# Modules, not classes: a Test* class imported here would be collected (and run) again.
TRUNK = dict(test_trunk_provider.TestTrunkProvider.case.inputs)
MEDIA = dict(test_media_service_provider.TestMediaServiceProvider.case.inputs)

#: Resources with a given id: (class, inputs naming the server object).
EXPLICIT: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "device": (Device, {"device_id": "desk-1", "auth_type": "deviceid"}),
    "trunk": (Trunk, {"trunk_id": "pbx-main", **TRUNK}),
    "site-host": (SiteHost, {"site_id": "stockholm", "host_id": "host-1"}),
}

#: Resources whose id is generated when absent.
GENERATED: dict[str, tuple[type[Any], dict[str, Any]]] = {
    case.provider.spec.name: (case.resource, dict(case.inputs))
    for case in (
        test_trunk_provider.TestTrunkProvider.case,
        test_media_service_provider.TestMediaServiceProvider.case,
        test_alarm_bridge_provider.TestAlarmBridgeProvider.case,
        test_alarm_event_mapper_provider.TestAlarmEventMapperProvider.case,
        test_cloud_sip_ua_provider.TestCloudSipUaProvider.case,
    )
}


def declare(resource: type[Any], name: str, inputs: dict[str, Any], **options: Any) -> Callable[[], None]:
    """A program declaring one resource (and exporting its id)."""

    def program() -> None:
        res = resource(name, domain=DOMAIN, **inputs, opts=pulumi.ResourceOptions(**options) if options else None)
        pulumi.export("id", res.id)

    return program


def names(h: Harness) -> set[str]:
    """The resource names in the stack's state."""
    return {r.name for r in h.state.resources.values()}


def object_requests(emulator: EmulatorClient) -> list[tuple[str, str]]:
    """Requests about objects (the one credential check of a provider host aside)."""
    return [(r["method"], r["path"]) for r in emulator.requests() if not r["path"].endswith(CREDENTIALS_PROBE)]


# -- 1. create never takes over implicitly; a rename needs aliases ----------------------------------------


@pytest.mark.parametrize("kind", list(EXPLICIT))
def test_rename_without_aliases_fails_and_deletes_nothing(emulator: EmulatorClient, tmp_path: Path, kind: str) -> None:
    resource, inputs = EXPLICIT[kind]
    h = harness(emulator, tmp_path)
    h.up(declare(resource, "old", inputs))
    before = emulator.objects()
    emulator.clear_requests()

    with pytest.raises(ProviderError) as info:
        h.up(declare(resource, "new", inputs))
    message = info.value.message
    assert "already exists on the server (identical to this declaration)" in message
    assert "this resource did not create it" in message
    assert 'aliases=[pulumi.Alias(name="<old name>")]' in message
    assert "adopt=True" in message
    assert writes(emulator) == []
    assert emulator.objects() == before
    assert names(h) == {"old"}

    renamed = h.up(declare(resource, "new", inputs, aliases=[pulumi.Alias(name="old")]))
    assert renamed.changes == {}
    assert writes(emulator) == []
    assert names(h) == {"new"}
    assert h.refresh().changes == {}
    h.destroy()
    assert emulator.objects() == {}


def test_swapping_two_device_ids_fails_and_keeps_both_devices(emulator: EmulatorClient, tmp_path: Path) -> None:
    h = harness(emulator, tmp_path)

    def devices(first: str, second: str) -> Callable[[], None]:
        def program() -> None:
            Device("a", domain=DOMAIN, device_id=first, auth_type="deviceid", description="a")
            Device("b", domain=DOMAIN, device_id=second, auth_type="deviceid", description="b")

        return program

    h.up(devices("id-1", "id-2"))
    before = emulator.objects()
    emulator.clear_requests()
    with pytest.raises(ProviderError, match="already exists on the server"):
        h.up(devices("id-2", "id-1"))
    assert writes(emulator) == []
    assert emulator.objects() == before
    assert {r.name: r.outputs["device_id"] for r in h.state.resources.values()} == {"a": "id-1", "b": "id-2"}


def test_adopt_takes_over_once_and_only_affects_creation(emulator: EmulatorClient, tmp_path: Path) -> None:
    _, inputs = EXPLICIT["device"]
    emulator.ok("PUT", f"/provisioning/device/{DOMAIN}", json={"deviceId": "desk-1", "authType": "deviceid"})
    h = harness(emulator, tmp_path)
    with pytest.raises(ProviderError, match="adopt=True"):
        h.up(declare(Device, "desk", {**inputs, "description": "ours"}))
    emulator.clear_requests()
    assert h.up(declare(Device, "desk", {**inputs, "description": "ours", "adopt": True})).changes == {"desk": "create"}
    assert [m for m, _ in writes(emulator)] == ["PATCH"]
    # Removing adopt (or setting it again) is no change.
    assert h.preview(declare(Device, "desk", {**inputs, "description": "ours"})).changes == {}
    assert h.up().changes == {}
    assert h.preview(declare(Device, "desk", {**inputs, "description": "ours", "adopt": True})).changes == {}


def test_rename_with_adopt_leaves_the_object_to_the_new_resource(emulator: EmulatorClient, tmp_path: Path) -> None:
    _, inputs = EXPLICIT["device"]
    h = harness(emulator, tmp_path)
    h.up(declare(Device, "old", inputs))
    emulator.clear_requests()
    # The user followed the wrong advice (adopt instead of aliases): the old name's delete must not
    # remove the object that the new name now declares.
    result = h.up(declare(Device, "new", {**inputs, "adopt": True}))
    assert result.changes == {"new": "create", "old": "delete"}
    assert writes(emulator) == []
    assert emulator.ok("GET", f"/provisioning/device/{DOMAIN}/desk-1")["deviceId"] == "desk-1"
    assert names(h) == {"new"}
    h.destroy()
    assert emulator.objects() == {}


def test_a_failed_create_is_undone_and_the_next_up_converges(emulator: EmulatorClient, tmp_path: Path) -> None:
    h = harness(emulator, tmp_path, **{"iotcomms:maxRetries": "0"})
    program = declare(Trunk, "pbx", TRUNK)
    h.preview(program)  # the credential check happens here, before the faults
    # The create's first read passes, its write lands, every read after fails: the outcome is unknown.
    emulator.faults(seed=1, error_rate=1.0, error_statuses=[503], methods=["GET"], skip=2)
    with pytest.raises(ProviderError, match="was undone"):
        h.up(program)
    emulator.faults()
    assert emulator.objects() == {}
    assert h.state.resources == {}
    created = h.up(program)
    assert created.changes == {"pbx": "create"}
    trunk_id = created.outputs["id"].split("/", 1)[1]
    assert trunk_id == TrunkProvider().generated_id({"resource_name": "pbx", "owner": "reliability/dev"})


# -- 2. two resources declaring one server object ---------------------------------------------------------


def _pair(resource: type[Any], first: dict[str, Any], second: dict[str, Any]) -> Callable[[], None]:
    def program() -> None:
        resource("first", domain=DOMAIN, **first)
        resource("second", domain=DOMAIN, **second)

    return program


DUPLICATES: dict[str, tuple[type[Any], dict[str, Any], dict[str, Any]]] = {
    "device": (Device, EXPLICIT["device"][1], {**EXPLICIT["device"][1], "description": "other"}),
    "trunk": (Trunk, EXPLICIT["trunk"][1], {**EXPLICIT["trunk"][1], "destination_match": "^47"}),
    "media-service": (MediaService, {**MEDIA, "media_service_id": "ivr-1"}, {**MEDIA, "media_service_id": "ivr-1"}),
    "site-host": (SiteHost, EXPLICIT["site-host"][1], {**EXPLICIT["site-host"][1], "drain_on_delete": False}),
}


@pytest.mark.parametrize("kind", list(DUPLICATES))
def test_two_resources_declaring_one_object_fail_the_preview(
    emulator: EmulatorClient, tmp_path: Path, kind: str
) -> None:
    resource, first, second = DUPLICATES[kind]
    h = harness(emulator, tmp_path)
    with pytest.raises(CheckFailedError) as info:
        h.preview(_pair(resource, first, second))
    (failure,) = info.value.failures
    assert "'first'" in failure[1]
    assert "'second'" in failure[1]
    assert "two resources must not manage one server object" in failure[1]
    assert object_requests(emulator) == []


def test_the_same_id_in_other_domains_or_spaces_is_not_a_duplicate(emulator: EmulatorClient, tmp_path: Path) -> None:
    def program() -> None:
        Device("here", domain=DOMAIN, device_id="desk-1", auth_type="deviceid")
        Device("there", domain=OTHER_DOMAIN, device_id="desk-1", auth_type="deviceid")
        MediaService("live", domain=DOMAIN, media_service_id="ivr-1", **MEDIA)
        MediaService("draft", domain=DOMAIN, media_service_id="ivr-1", provisory=True, **MEDIA)

    # The token is for DOMAIN only; this preview is about claims, not credentials.
    h = harness(emulator, tmp_path, **{"iotcomms:skipCredentialsValidation": "true"})
    assert h.preview(program).changes == {
        "here": "create",
        "there": "create",
        "live": "create",
        "draft": "create",
    }


def test_claims_belong_to_one_deployment(emulator: EmulatorClient, tmp_path: Path) -> None:
    # Two programs in one process (two stacks here), each valid: the second is not refused
    # because the first declared the same id.
    _, inputs = EXPLICIT["device"]
    first = harness(emulator, tmp_path / "a")
    second = Harness(state_dir=tmp_path / "b", project="other", config=first.config)
    assert first.preview(declare(Device, "a", inputs)).changes == {"a": "create"}
    assert second.preview(declare(Device, "b", inputs)).changes == {"b": "create"}
    assert first.preview(declare(Device, "a", inputs)).changes == {"a": "create"}


def test_claims_name_both_resources_and_reset() -> None:
    key = ("Device", DOMAIN, "x", False)
    assert _claims.claim(key, "a") is None
    assert _claims.claim(key, "a") is None  # the same resource, checked again (a replacement)
    assert _claims.claim(key, "b") == "a"
    assert not _claims.owned_here(key)
    _claims.record_owned(key)
    assert _claims.owned_here(key)
    _claims.reset()
    assert _claims.claim(key, "b") is None
    assert not _claims.owned_here(key)


# -- 3. renames with aliases keep generated ids ------------------------------------------------------------


@pytest.mark.parametrize("kind", list(GENERATED))
def test_rename_with_aliases_keeps_the_generated_id(emulator: EmulatorClient, tmp_path: Path, kind: str) -> None:
    resource, inputs = GENERATED[kind]
    h = harness(emulator, tmp_path)
    created = h.up(declare(resource, "old", inputs))
    before = emulator.objects()
    emulator.clear_requests()
    assert h.preview(declare(resource, "new", inputs, aliases=[pulumi.Alias(name="old")])).changes == {}
    renamed = h.up()
    assert renamed.changes == {}
    assert renamed.outputs["id"] == created.outputs["id"]
    assert writes(emulator) == []
    assert emulator.objects() == before
    # An update after the rename patches the same object.
    changed = {**inputs, "description": "renamed"}
    assert h.up(declare(resource, "new", changed, aliases=[pulumi.Alias(name="old")])).changes == {"new": "update"}
    assert [m for m, _ in writes(emulator)] == ["PATCH"]
    h.destroy()
    assert emulator.objects() == {}
