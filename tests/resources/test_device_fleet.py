"""DeviceFleet through the engine protocol (the fleet lifecycle of 2,000 devices, a partially failed bulk
job, ownership) and ``DeviceFleetProvider`` against the emulator (check, diff, passwords, from_csv)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_iotcomms import Device, DeviceFleet
from pulumi_iotcomms.errors import ConflictingObjectError, InputError
from pulumi_iotcomms.resources._claims import reset as _claims_reset
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.device_fleet import DeviceFleetProvider
from pulumi_iotcomms.testing.harness import Harness, Secret
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioStep,
    StepOutcome,
    run_scenario,
)
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.resources._lifecycle import clear_log, config_for, state_text, writes_nothing

NAME = "units"
URL = f"/provisioning/device/{DOMAIN}"
BULK = f"{URL}/bulk/"


def unit(n: int, **changes: Any) -> dict[str, Any]:
    """Device ``n`` of the test fleet: an alarm unit; every 100th a credentials SIP device."""
    if n % 100 == 0:
        device: dict[str, Any] = {"device_id": f"sip-{n:05d}", "auth_type": "credentials", "device_type": "sipDevice"}
    else:
        device = {
            "device_id": f"unit-{n:05d}",
            "auth_type": "deviceid",
            "device_type": "alarmUnit",
            "service_data": {"alarmBridge": {"heartbeatInterval": 300000, "alarmProtocol": "scaip"}},
        }
    device["description"] = f"unit {n}"
    return {**device, **changes}


def fleet_program(devices: Sequence[Any]) -> Callable[[], None]:
    def run() -> None:
        fleet = DeviceFleet(NAME, devices=list(devices), domain=DOMAIN)
        pulumi.export("count", fleet.count)
        pulumi.export("device_ids", fleet.device_ids)
        pulumi.export("sip_passwords", fleet.sip_passwords)
        pulumi.export("bulk_result", fleet.bulk_result)

    return run


def server_devices(emulator: EmulatorClient) -> dict[str, dict[str, Any]]:
    return dict(emulator.objects().get(DOMAIN, {}).get("device", {}))


def writes(emulator: EmulatorClient) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r["body"]) for r in emulator.requests() if r["method"] != "GET"]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def fleet_scenario(emulator: EmulatorClient, count: int = 2000) -> Scenario:
    """The acceptance lifecycle of a fleet of ``count`` devices (issue 12's "done when")."""
    base = [unit(n) for n in range(1, count + 1)]
    changed = [unit(7, description="moved to room 12") if d["device_id"] == "unit-00007" else d for d in base]
    added = [*changed, *(unit(n) for n in range(count + 1, count + 51))]
    removed = [d for d in added if d["device_id"] not in {f"unit-{n:05d}" for n in range(11, 21)}]
    failing = [*removed, *(unit(n) for n in range(count + 51, count + 81))]
    refused = {f"unit-{count + 53:05d}": "registered in another tenant", f"unit-{count + 60:05d}": "quota exceeded"}
    clear, no_writes = clear_log(emulator), writes_nothing(emulator)

    def created(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert len(server_devices(emulator)) == count
        assert outcome.outputs["count"] == count
        assert outcome.outputs["device_ids"] == sorted(d["device_id"] for d in base)
        # One bulk job (a 2,000-row CSV is far under 10 MB), no device written one by one.
        assert [(m, p.startswith(BULK)) for m, p, _ in writes(emulator)] == [("PUT", True)]
        passwords = outcome.outputs["sip_passwords"]
        assert sorted(passwords) == [f"sip-{n:05d}" for n in range(100, count + 1, 100)]
        assert "sip_passwords" in outcome.secret_outputs
        ctx.data["passwords"] = passwords
        server = server_devices(emulator)
        assert server["sip-00100"]["ha1"] == _md5(f"sip-00100:{DOMAIN}:{passwords['sip-00100']}")

    def one_patch(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert writes(emulator) == [
            ("PATCH", f"{URL}/unit-00007", [{"op": "replace", "path": "/description", "value": "moved to room 12"}])
        ]

    def fifty_added(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        (write,) = writes(emulator)
        assert write[0] == "PUT"
        assert write[1].startswith(BULK)
        assert outcome.outputs["count"] == count + 50 == len(server_devices(emulator))
        assert outcome.outputs["bulk_result"]["status"] == "COMPLETED"

    def ten_deleted(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert sorted(writes(emulator)) == [("DELETE", f"{URL}/unit-{n:05d}", None) for n in range(11, 21)]
        assert outcome.outputs["count"] == count + 40 == len(server_devices(emulator))

    def edit_and_delete(ctx: ScenarioContext) -> None:
        emulator.ok("PATCH", f"{URL}/unit-00030", json=[{"op": "replace", "path": "/description", "value": "oob"}])
        emulator.ok("PATCH", f"{URL}/sip-00200", json=[{"op": "replace", "path": "/ha1", "value": "0" * 32}])
        emulator.ok("DELETE", f"{URL}/sip-00300")
        emulator.clear_requests()

    def corrected(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        got = sorted((m, p) for m, p, _ in writes(emulator))
        assert got == [("PATCH", f"{URL}/sip-00200"), ("PATCH", f"{URL}/unit-00030"), ("PUT", URL)], got
        server = server_devices(emulator)
        assert server["unit-00030"]["description"] == "unit 30"
        passwords = ctx.data["passwords"]
        for device_id in ("sip-00200", "sip-00300"):  # the recreated device keeps its SIP password
            assert server[device_id]["ha1"] == _md5(f"{device_id}:{DOMAIN}:{passwords[device_id]}")
        assert outcome.outputs["sip_passwords"] == passwords

    def refuse(ctx: ScenarioContext) -> None:
        emulator.reject_bulk_rows(refused)

    def partly_made(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        server = server_devices(emulator)
        assert len(server) == count + 40 + 28
        assert not set(refused) & set(server)
        emulator.reject_bulk_rows({})
        emulator.clear_requests()

    def rest_made(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        # Only the two refused devices are written: the state recorded the 28 the failed job made.
        assert sorted((m, p) for m, p, _ in writes(emulator)) == [("PUT", URL), ("PUT", URL)]
        assert outcome.outputs["count"] == count + 40 + 30 == len(server_devices(emulator))

    def nothing_left(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert server_devices(emulator) == {}

    def no_secrets_in_state(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        text = state_text(ctx.workdir)
        assert f"::{NAME}" in text
        for secret in (*ctx.data["passwords"].values(), TOKEN):
            assert secret not in text

    steps = [
        ScenarioStep("up", fleet_program(base), expect={NAME: "create"}, before=clear, check=created, label="create"),
        ScenarioStep("preview", expect={}, before=clear, check=no_writes, label="second preview is empty"),
        ScenarioStep("up", fleet_program(changed), expect={NAME: "update"}, before=clear, check=one_patch),
        ScenarioStep("up", fleet_program(added), expect={NAME: "update"}, before=clear, check=fifty_added),
        ScenarioStep("up", fleet_program(removed), expect={NAME: "update"}, before=clear, check=ten_deleted),
        ScenarioStep("refresh", expect={}, label="refresh without drift"),
        ScenarioStep("refresh", expect={NAME: "refresh"}, before=edit_and_delete, label="out-of-band edits"),
        ScenarioStep("preview", expect={NAME: "update"}, label="drift shows in preview"),
        ScenarioStep("up", expect={NAME: "update"}, before=clear, check=corrected, label="drift corrected"),
        ScenarioStep("preview", expect={}, label="converged"),
        ScenarioStep(
            "up",
            fleet_program(failing),
            before=refuse,
            expect_error=r"(?s)2 device\(s\) failed.*registered in another tenant.*quota exceeded",
            check=partly_made,
            label="partially failed bulk job",
        ),
        ScenarioStep("up", expect={NAME: "update"}, check=rest_made, label="the next up does the rest"),
        ScenarioStep("preview", expect={}, check=no_secrets_in_state, label="converged again"),
        ScenarioStep("destroy", expect={NAME: "delete"}, check=nothing_left, label="destroy"),
    ]
    return Scenario(
        name="lifecycle-DeviceFleet",
        steps=steps,
        config=lambda _workdir: config_for(emulator),
        project="iotcomms-tests",
    )


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(fleet_scenario(emulator), HarnessRunner(), tmp_path)


# -- the provider, called directly -------------------------------------------------------------------


@pytest.fixture
def provider(emulator: EmulatorClient) -> DeviceFleetProvider:
    p = DeviceFleetProvider()
    p._settings = Settings.load({"iotcomms:endpoint": emulator.url, "iotcomms:token": TOKEN, "iotcomms:domain": DOMAIN})
    return p


def checked(provider: DeviceFleetProvider, devices: list[Any], olds: dict[str, Any] | None = None, **extra: Any) -> Any:
    news = {"devices": devices, "resource_name": NAME, "owner": "p/s", **extra}
    return provider.check(olds or {}, news)


def failures(result: Any) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in result.failures]


def test_check_keys_devices_by_id_and_names_bad_ones_by_index(provider: DeviceFleetProvider) -> None:
    result = checked(provider, [unit(1), unit(2)])
    assert failures(result) == []
    assert list(result.inputs["devices"]) == ["unit-00001", "unit-00002"]
    assert "device_id" not in result.inputs["devices"]["unit-00001"]
    bad = [
        unit(1),
        unit(2, description="x" * 201),
        unit(1),
        {"auth_type": "deviceid"},
        unit(4, service_data={"alarmBridge": {"heartbeatInterval": 10}}),
        unit(5, description="=HYPERLINK(1)"),
        "unit-6",
    ]
    got = failures(checked(provider, bad))
    assert [p for p, _ in got] == [
        "devices[1].description",
        "devices[2].device_id",
        "devices[3].device_id",
        "devices[4].service_data.alarmBridge.heartbeatInterval",
        "devices[5].description",
        "devices[6]",
    ]
    assert "also devices[0]" in got[1][1]
    assert "spreadsheet formula" in got[4][1]


def test_a_device_too_large_for_a_bulk_csv_fails_check_naming_it(provider: DeviceFleetProvider) -> None:
    blob = unit(3, service_data={"notes": "x" * (10 * 1024 * 1024)})
    got = failures(checked(provider, [unit(1), blob]))
    assert [p for p, _ in got] == ["devices[1].service_data.notes"]
    assert "not under the limit of 10485760 bytes" in got[0][1]


def test_two_fleets_declaring_one_device_fail_check(provider: DeviceFleetProvider) -> None:
    assert failures(checked(provider, [unit(1), unit(2)])) == []
    other = provider.check({}, {"devices": [unit(3), unit(2)], "resource_name": "other-units", "owner": "p/s"})
    got = failures(other)
    assert [p for p, _ in got] == ["devices[1].device_id"]
    assert f"Device {DOMAIN}/unit-00002 is also declared by the resource 'units'" in got[0][1]


def test_check_sends_no_request_for_a_recorded_fleet(provider: DeviceFleetProvider, emulator: EmulatorClient) -> None:
    first = checked(provider, [unit(1), unit(100)])
    emulator.clear_requests()
    again = checked(provider, [unit(1), unit(100)], olds=first.inputs)
    assert emulator.requests() == []
    assert again.inputs["sip_passwords"] == first.inputs["sip_passwords"]  # picked once, then kept
    diff = provider.diff(DOMAIN, {**first.inputs}, again.inputs)
    assert diff.changes is False
    assert emulator.requests() == []


def test_passwords_given_generated_and_kept(provider: DeviceFleetProvider) -> None:
    given = unit(100, password="Sip-Given-4411")
    first = checked(provider, [given, unit(200)])
    assert first.inputs["sip_passwords"]["sip-00100"] == "Sip-Given-4411"
    assert "password" not in first.inputs["devices"]["sip-00100"]
    assert first.inputs["device_credentials"] == {"sip-00100": {"password": "Sip-Given-4411"}}
    generated = first.inputs["sip_passwords"]["sip-00200"]
    again = checked(provider, [unit(100), unit(200)], olds=first.inputs)
    assert again.inputs["sip_passwords"]["sip-00200"] == generated
    # The given password is gone: a new one is generated rather than keeping the one the program dropped.
    assert again.inputs["sip_passwords"]["sip-00100"] != "Sip-Given-4411"
    both = failures(checked(provider, [unit(100, password="p", ha1="0" * 32)]))
    assert [p for p, _ in both] == ["devices[0].password"]
    assert "not both" in both[0][1]


def test_program_moves_secrets_out_of_devices() -> None:
    args = DeviceFleetProvider.program_args({"devices": [unit(100, password="pw"), unit(1)]}, None)
    assert args["devices"] == [unit(100), unit(1)]
    assert args["device_credentials"] == {"sip-00100": {"password": "pw"}}


def test_create_refuses_existing_devices_unless_adopted(
    provider: DeviceFleetProvider, emulator: EmulatorClient
) -> None:
    emulator.ok("PUT", URL, json={"deviceId": "unit-00002", "authType": "deviceid", "description": "theirs"})
    props = {**checked(provider, [unit(1), unit(2)]).inputs, "__provider": "x"}
    emulator.clear_requests()
    refused = r"(?s)1 device\(s\) of this fleet already exist.*unit-00002.*adopt=True"
    with pytest.raises(ConflictingObjectError, match=refused):
        provider.create(props)
    assert writes(emulator) == []
    outs = provider.create({**props, "adopt": True}).outs or {}
    assert outs["count"] == 2
    assert server_devices(emulator)["unit-00002"]["description"] == "unit 2"


def test_update_without_refresh_reconciles_with_the_server(
    provider: DeviceFleetProvider, emulator: EmulatorClient
) -> None:
    """Patches are computed from the recorded state: a refused one is recomputed from the device as the
    server has it, and a device deleted out of band is PUT again."""
    first = {**checked(provider, [unit(1), unit(2)]).inputs, "__provider": "x"}
    outs = provider.create(first).outs or {}
    emulator.ok("PATCH", f"{URL}/unit-00001", json=[{"op": "remove", "path": "/description"}])
    emulator.ok("DELETE", f"{URL}/unit-00002")
    _claims_reset()
    news = {**checked(provider, [unit(1, description="a"), unit(2, description="b")], olds=first).inputs}
    emulator.clear_requests()
    provider.update(DOMAIN, outs, {**news, "__provider": "x"})
    server = server_devices(emulator)
    assert (server["unit-00001"]["description"], server["unit-00002"]["description"]) == ("a", "b")
    sent = [(m, p, b) for m, p, b in writes(emulator)]
    one = [(m, b) for m, p, b in sent if p == f"{URL}/unit-00001"]
    assert one == [
        ("PATCH", [{"op": "replace", "path": "/description", "value": "a"}]),  # refused: the device has none
        ("PATCH", [{"op": "add", "path": "/description", "value": "a"}]),  # recomputed from a GET
    ]
    two = [(m, p) for m, p, _ in sent if p != f"{URL}/unit-00001"]
    assert two == [("PATCH", f"{URL}/unit-00002"), ("PUT", URL)]  # 404, then the whole device


def test_a_device_declared_by_a_fleet_and_a_device_resource_fails_check(provider: DeviceFleetProvider) -> None:
    from pulumi_iotcomms.resources.device import DeviceProvider

    device = DeviceProvider()
    device._settings = provider._settings
    news = {"device_id": "unit-00001", "auth_type": "deviceid", "resource_name": "single", "owner": "p/s"}
    assert device.check({}, news).failures == []
    got = failures(checked(provider, [unit(1)]))
    assert got
    assert got[0][0] == "devices[0].device_id"
    assert "'single'" in got[0][1]


class _Recorded(DeviceFleet, module="iotcomms", name="DeviceFleet"):
    """Records what ``from_csv`` declares instead of registering it (no Pulumi runtime in this process)."""

    def __init__(self, resource_name: str, **kwargs: Any) -> None:
        self.declared = {"resource_name": resource_name, **kwargs}


def test_from_csv_reads_the_spreadsheet_and_names_the_bad_row(tmp_path: Path) -> None:
    good = tmp_path / "fleet.csv"
    good.write_text(
        "deviceId,authType,deviceType,description,serviceData.alarmBridge,ha1\n"
        'unit-1,deviceid,alarmUnit,Room 1,"{""heartbeatInterval"":300000}",\n'
        f"sip-1,credentials,sipDevice,Desk,,{'a' * 32}\n"
    )
    declared = _Recorded.from_csv("from-csv", good, domain=DOMAIN).declared
    assert declared["devices"] == [
        {
            "device_id": "unit-1",
            "auth_type": "deviceid",
            "device_type": "alarmUnit",
            "description": "Room 1",
            "service_data": {"alarmBridge": {"heartbeatInterval": 300000}},
        },
        {
            "device_id": "sip-1",
            "auth_type": "credentials",
            "device_type": "sipDevice",
            "description": "Desk",
            "ha1": "a" * 32,
        },
    ]
    assert declared["domain"] == DOMAIN
    bad = tmp_path / "bad.csv"
    bad.write_text("deviceId,authType,description\nunit-1,deviceid,ok\nunit-2,deviceid,=1+1\n")
    with pytest.raises(InputError, match=r"bad.csv: .*formula") as info:
        _Recorded.from_csv("bad", bad, domain=DOMAIN)
    assert info.value.path == "row 3, column description"


def test_secrets_inside_outputs_are_moved_too(emulator: EmulatorClient, tmp_path: Path) -> None:
    """Devices holding Outputs are split once known: the password is a secret input, never in ``devices``."""

    def program() -> None:
        device_id = pulumi.Output.from_input("sip-1")
        devices: list[Any] = [{"device_id": device_id, "auth_type": "credentials", "password": "Sip-9931"}]
        DeviceFleet("outputs", devices=devices, domain=DOMAIN)

    harness = Harness(state_dir=tmp_path / "state", project="p", stack="dev", config=config_for(emulator))
    harness.up(program)
    (fleet,) = [r for r in harness.state.resources.values() if r.type.endswith(":DeviceFleet")]
    assert fleet.inputs["devices"] == {"sip-1": {"auth_type": "credentials"}}
    assert isinstance(fleet.inputs["device_credentials"], Secret)
    assert "Sip-9931" not in state_text(tmp_path)
    ha1 = server_devices(emulator)["sip-1"]["ha1"]
    assert ha1 == _md5(f"sip-1:{DOMAIN}:Sip-9931")
    harness.destroy()


def test_device_and_fleet_share_the_model() -> None:
    # The fleet's devices take Device's arguments: the typed input is generated from the same model.
    from pulumi_iotcomms.inputs import DeviceArgs

    assert set(DeviceArgs.__annotations__) <= set(Device.__init__.__annotations__)
