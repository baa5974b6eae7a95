"""``pulumi_iotcomms.functions``: the program-side read functions against the emulator.

Through a Pulumi program run by the engine-protocol harness (so the ``iotcomms:*`` stack config, the token a
secret, is what they read): both forms of every function, their results exported, and no write request; reads
during a preview, and nothing read while an ``_output`` argument is unknown. Called directly: the ``IOTCOMMS_*``
environment fallbacks, the configuration errors, argument checks, and what the results are (frozen, typed,
without secrets).
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi
import pytest

import pulumi_iotcomms
from pulumi_iotcomms import Device, functions
from pulumi_iotcomms.api.contract import ROUTES
from pulumi_iotcomms.errors import ConfigurationError, InputError, UnauthorizedError
from pulumi_iotcomms.functions import (
    GetDevicesResult,
    GetSiprecFallbackResult,
    GetSitesSiteHostResult,
    get_devices,
    get_devices_output,
    get_ivr_fallback_numbers,
    get_ivr_fallback_numbers_output,
    get_sip_logs,
    get_sip_logs_output,
    get_siprec_fallback,
    get_siprec_fallback_output,
    get_sites,
    get_sites_output,
    get_statistics,
    get_statistics_output,
)
from pulumi_iotcomms.testing.harness import UNKNOWN, Harness, ProgramError
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient
from tests.resources._lifecycle import config_for

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

REPO = Path(__file__).resolve().parents[1]
#: The routes a read function may send; everything else would be a write.
READS = {"site.list", "device.list", "statistics.get", "logs.sip", "siprecfallback.get", "ivrfallback.list"}
#: The public read functions, by name (``get_x`` and ``get_x_output``).
GETTERS = [name for name in functions.__all__ if name.startswith("get_")]
#: The result classes (every public class of the module).
RESULTS: list[type[DataclassInstance]] = [getattr(functions, n) for n in functions.__all__ if n[0].isupper()]


def route_of(method: str, path: str) -> str:
    """The name of the route a logged request was sent to."""
    for r in ROUTES:
        pattern = re.sub(r"\\\{[A-Za-z_]+\\\}", "[^/]+", re.escape(r.path))
        if r.method == method and re.fullmatch(pattern, path):
            return r.name
    raise AssertionError(f"no route for {method} {path}")


def routes_sent(emulator: EmulatorClient) -> list[str]:
    return [route_of(r["method"], r["path"]) for r in emulator.requests()]


@pytest.fixture(autouse=True)
def no_iotcomms_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The functions read IOTCOMMS_* variables as fallbacks: none leak in from the outer environment."""
    for var in ("ENDPOINT", "REGION", "DOMAIN", "TOKEN", "PRIVATE_KEY", "MAX_RETRIES", "TIMEOUT_SECONDS"):
        monkeypatch.delenv(f"IOTCOMMS_{var}", raising=False)


@pytest.fixture
def seeded(emulator: EmulatorClient) -> EmulatorClient:
    """The emulator with something for every function to read, its request log then cleared."""
    site = f"/hybridadmin/site/{DOMAIN}"
    emulator.ok(
        "POST", f"{site}/stockholm/host/sbc-2", json={"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": 24}
    )
    emulator.ok("POST", f"{site}/stockholm/host/sbc-1")
    emulator.ok("POST", f"{site}/gothenburg/host/sbc-1")
    devices = f"/provisioning/device/{DOMAIN}"
    emulator.ok("PUT", devices, json={"deviceId": "alarm-1", "authType": "deviceid", "serviceData": {"x": {"y": [1]}}})
    emulator.ok("PUT", devices, json={"deviceId": "alarm-2", "authType": "credentials", "description": "hall"})
    emulator.ok("PUT", devices, json={"deviceId": "phone-1", "authType": "deviceid"})
    emulator.set_statistics(
        [{"name": "2024-05-01", "num_calls": 4, "min_duration": 5, "max_duration": 25, "sum_duration": 60}]
    )
    emulator.add_sip_logs(
        [
            {"timeStamp": 10, "method": "INVITE", "sipHeaders": {"Call-ID": "c1"}},
            {"timeStamp": 20, "method": "BYE", "sipHeaders": {"Call-ID": "c1"}},
            {"timeStamp": 30, "method": "INVITE", "sipHeaders": {"Call-ID": "c2"}},
        ]
    )
    emulator.seed_siprec("4612345")
    for number in ("4690", "4680"):
        emulator.ok("PUT", f"/cache/{DOMAIN}/ivrfallback/{number}", json={"mode": "always"})
    emulator.clear_requests()
    return emulator


def use_emulator_env(monkeypatch: pytest.MonkeyPatch, emulator: EmulatorClient, domain: str = DOMAIN) -> None:
    monkeypatch.setenv("IOTCOMMS_ENDPOINT", emulator.url)
    monkeypatch.setenv("IOTCOMMS_TOKEN", TOKEN)
    monkeypatch.setenv("IOTCOMMS_DOMAIN", domain)


# -- through a Pulumi program (the harness) ----------------------------------------------------------


def every_function_program() -> None:
    """Both forms of every function, results exported: whole (a map of fields) and by field."""
    pulumi.export("sites", get_sites())
    pulumi.export("sites_output", get_sites_output())
    alarms = get_devices(filter="alarm-")
    pulumi.export("alarm_ids", alarms.device_ids)
    pulumi.export("alarm_service_data", alarms.devices[0].service_data)
    pulumi.export(
        "devices_output", get_devices_output(domain=pulumi.Output.from_input(DOMAIN)).apply(lambda r: r.device_ids)
    )
    stats = get_statistics("cdr_siprec", "day")
    pulumi.export("statistics", stats)
    pulumi.export("statistics_output", get_statistics_output("cdr_siprec", pulumi.Output.from_input("day")).statistics)
    pulumi.export("invites", get_sip_logs(filter_pattern="INVITE").log_items)
    pulumi.export(
        "logs_output", get_sip_logs_output(start_time=15, limit=1).apply(lambda r: [i.time_stamp for i in r.log_items])
    )
    pulumi.export("siprec", get_siprec_fallback("4612345").in_cache)
    pulumi.export("siprec_missing", get_siprec_fallback_output("4600000").apply(lambda r: r.in_cache))
    pulumi.export("ivr", get_ivr_fallback_numbers().numbers)
    pulumi.export("ivr_output", get_ivr_fallback_numbers_output().numbers)


def test_a_program_reads_with_both_forms_and_writes_nothing(seeded: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(seeded, {"iotcomms:domain": DOMAIN}))
    result = harness.up(every_function_program)
    out = result.plain_outputs
    # Exported whole, a result is a map of its fields; a None field is left out, as Pulumi leaves out nulls.
    dhcp = {"host_id": "sbc-1", "state": "active", "active_calls": 0.0}
    static = {**dhcp, "host_id": "sbc-2", "network_interfaces": ["10.0.0.5"], "network_prefix_length": 24.0}
    sites = {
        "domain": DOMAIN,
        "sites": [
            {"site_id": "gothenburg", "hosts": [dhcp]},
            {"site_id": "stockholm", "hosts": [dhcp, static]},
        ],
    }
    assert out["sites"] == out["sites_output"] == sites
    assert out["alarm_ids"] == ["alarm-1", "alarm-2"]
    assert out["alarm_service_data"] == {"x": {"y": [1.0]}}
    assert out["devices_output"] == ["alarm-1", "alarm-2", "phone-1"]
    bucket = {
        "name": "2024-05-01",
        "num_calls": 4.0,
        "min_duration": 5.0,
        "max_duration": 25.0,
        "sum_duration": 60.0,
        "average_duration": 15.0,
    }
    assert out["statistics"] == {"domain": DOMAIN, "type": "cdr_siprec", "bucket_size": "day", "statistics": [bucket]}
    assert out["statistics_output"] == [bucket]
    assert [item["time_stamp"] for item in out["invites"]] == [10.0, 30.0]
    assert out["invites"][0]["sip_headers"] == {"Call-ID": "c1"}
    assert out["logs_output"] == [20.0]
    assert (out["siprec"], out["siprec_missing"]) == (True, False)
    assert out["ivr"] == out["ivr_output"] == ["4680", "4690"]
    # Read with the configured (secret) token, and only read: every request went to a read route.
    sent = routes_sent(seeded)
    assert set(sent) == READS
    assert all(r["status"] == 200 for r in seeded.requests())
    assert TOKEN not in json.dumps(result.outputs)


def test_the_program_reads_the_environment_when_the_config_is_silent(
    seeded: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator_env(monkeypatch, seeded)

    def program() -> None:
        pulumi.export("sites", get_sites().site_ids)

    assert Harness(state_dir=tmp_path).up(program).plain_outputs == {"sites": ["gothenburg", "stockholm"]}


def test_the_config_wins_over_the_environment(
    seeded: EmulatorClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator_env(monkeypatch, seeded, domain=OTHER_DOMAIN)
    monkeypatch.setenv("IOTCOMMS_TOKEN", OTHER_TOKEN)

    def program() -> None:
        pulumi.export("domain", get_ivr_fallback_numbers().domain)
        pulumi.export("numbers", get_ivr_fallback_numbers_output().numbers)

    harness = Harness(state_dir=tmp_path, config=config_for(seeded, {"iotcomms:domain": DOMAIN}))
    assert harness.up(program).plain_outputs == {"domain": DOMAIN, "numbers": ["4680", "4690"]}


def test_a_preview_reads_too(seeded: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(seeded, {"iotcomms:domain": DOMAIN}))
    result = harness.preview(every_function_program)
    assert result.plain_outputs["alarm_ids"] == ["alarm-1", "alarm-2"]
    assert result.plain_outputs["devices_output"] == ["alarm-1", "alarm-2", "phone-1"]
    assert set(routes_sent(seeded)) == READS


def test_an_unknown_output_argument_reads_nothing_until_it_is_known(seeded: EmulatorClient, tmp_path: Path) -> None:
    """In a preview, a new device's id is unknown: the read that depends on it is unknown and not sent; the
    one that does not depend on it reads. The ``up`` reads after the device exists, and sees it."""

    def program() -> None:
        unit = Device("unit", device_id="unit-9", auth_type="deviceid")
        prefix = unit.id.apply(lambda pulumi_id: pulumi_id.split("/", 1)[1])
        pulumi.export("after_unit", get_devices_output(filter=prefix).apply(lambda r: r.device_ids))
        pulumi.export("siprec", get_siprec_fallback_output(unit.id.apply(lambda _: "4612345")).in_cache)
        pulumi.export("sites", get_sites_output().apply(lambda r: r.site_ids))

    config = config_for(seeded, {"iotcomms:domain": DOMAIN, "iotcomms:skipCredentialsValidation": "true"})
    harness = Harness(state_dir=tmp_path, config=config)
    preview = harness.preview(program)
    assert preview.outputs["after_unit"] is UNKNOWN
    assert preview.outputs["siprec"] is UNKNOWN
    assert preview.plain_outputs["sites"] == ["gothenburg", "stockholm"]
    assert routes_sent(seeded) == ["site.list"]

    seeded.clear_requests()
    up = harness.up(program)
    assert up.plain_outputs == {"after_unit": ["unit-9"], "siprec": True, "sites": ["gothenburg", "stockholm"]}
    sent = routes_sent(seeded)
    assert sent.index("device.put") < sent.index("device.list")  # read after the create


def test_a_function_failing_fails_the_program(emulator: EmulatorClient, tmp_path: Path) -> None:
    def program() -> None:
        get_sites()

    config = {**config_for(emulator, {"iotcomms:domain": DOMAIN}), "iotcomms:token": "wrong"}
    with pytest.raises(ProgramError) as info:
        Harness(state_dir=tmp_path, config=config).up(program)
    assert isinstance(info.value.__cause__, UnauthorizedError)


# -- called directly -------------------------------------------------------------------------------


def test_outside_a_program_the_environment_configures_them(
    seeded: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator_env(monkeypatch, seeded)
    assert get_sites().site_ids == ("gothenburg", "stockholm")
    assert get_devices(domain=DOMAIN, filter="phone").device_ids == ("phone-1",)
    assert get_statistics("cdr_siprec", "hour").statistics == ()
    assert routes_sent(seeded) == ["site.list", "device.list", "statistics.get"]


def test_results_are_typed_frozen_and_without_secrets(seeded: EmulatorClient, monkeypatch: pytest.MonkeyPatch) -> None:
    use_emulator_env(monkeypatch, seeded)
    devices = get_devices()
    assert isinstance(devices, GetDevicesResult)
    assert (devices.domain, devices.filter, devices.device_ids) == (DOMAIN, None, ("alarm-1", "alarm-2", "phone-1"))
    alarm_1, alarm_2, phone = devices.devices
    assert alarm_2.auth_type == "credentials"
    assert alarm_2.description == "hall"
    assert phone.description is None  # absent: None
    assert phone.authorized is None
    assert alarm_1.service_data == {"x": {"y": (1,)}}
    # The credentials device got a generated password stored as ha1: neither is anywhere in the result.
    stored = seeded.ok("GET", f"/provisioning/device/{DOMAIN}/alarm-2")
    assert stored["ha1"] not in repr(devices)
    assert not {"ha1", "password"} & {f.name for f in dataclasses.fields(alarm_2)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        devices.devices = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        alarm_1.service_data["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        alarm_1.service_data["x"]["z"] = 1
    # Still ordinary to work with: copied, turned into plain data, compared.
    assert copy.deepcopy(devices) == devices
    assert json.loads(json.dumps(dataclasses.asdict(devices)))["devices"][0]["service_data"] == {"x": {"y": [1]}}
    host = get_sites().sites[1].hosts[1]
    assert host == GetSitesSiteHostResult(
        host_id="sbc-2", state="active", active_calls=0, network_interfaces=("10.0.0.5",), network_prefix_length=24
    )


def test_a_missing_siprec_number_is_a_result_not_in_cache(
    seeded: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DECISIONS["siprecfallback.get"]: neither None nor an error."""
    use_emulator_env(monkeypatch, seeded)
    assert get_siprec_fallback("4600000") == GetSiprecFallbackResult(domain=DOMAIN, number="4600000", in_cache=False)
    assert get_siprec_fallback("4612345").in_cache is True


def test_sip_log_arguments_travel_as_the_documented_filter(
    seeded: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator_env(monkeypatch, seeded)
    got = get_sip_logs(filter_pattern="INVITE", start_time=5, end_time=25, limit=10)
    assert [(i.time_stamp, i.method) for i in got.log_items] == [(10, "INVITE")]
    assert (got.filter_pattern, got.start_time, got.end_time, got.limit) == ("INVITE", 5, 25, 10)
    assert get_sip_logs().limit is None
    bodies = [r["body"] for r in seeded.requests()]
    assert bodies == [{"filterPattern": "INVITE", "startTime": 5, "endTime": 25, "limit": 10}, {}]


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda: get_statistics("cdr", "day"), "type"),  # type: ignore[arg-type]
        (lambda: get_statistics("cdr_siprec", "week"), "bucket_size"),  # type: ignore[arg-type]
        (lambda: get_sip_logs(limit=-1), "limit"),
        (lambda: get_sip_logs(limit=True), "limit"),
        (lambda: get_sip_logs(start_time="yesterday"), "start_time"),  # type: ignore[arg-type]
        (lambda: get_sip_logs(end_time=2**31), "end_time"),
        (lambda: get_sip_logs(filter_pattern=3), "filter_pattern"),  # type: ignore[arg-type]
        (lambda: get_devices(filter=["a"]), "filter"),  # type: ignore[arg-type]
        (lambda: get_siprec_fallback(4612345), "number"),  # type: ignore[arg-type]
        (lambda: get_siprec_fallback("46/12"), "number"),
        (lambda: get_sites(domain="../x"), "domain"),
    ],
)
def test_bad_arguments_are_input_errors_before_any_request(
    seeded: EmulatorClient, monkeypatch: pytest.MonkeyPatch, call: Callable[[], Any], path: str
) -> None:
    use_emulator_env(monkeypatch, seeded)
    with pytest.raises(InputError) as info:
        call()
    assert info.value.path == path
    assert seeded.requests() == []


def test_without_credentials_or_domain_they_say_which_key_to_set(
    emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IOTCOMMS_ENDPOINT", emulator.url)
    monkeypatch.setenv("IOTCOMMS_DOMAIN", DOMAIN)
    with pytest.raises(ConfigurationError) as info:
        get_sites()
    assert info.value.key == "iotcomms:token"
    monkeypatch.delenv("IOTCOMMS_DOMAIN")
    monkeypatch.setenv("IOTCOMMS_TOKEN", TOKEN)
    with pytest.raises(ConfigurationError) as info:
        get_ivr_fallback_numbers()
    assert info.value.key == "iotcomms:domain"
    assert get_ivr_fallback_numbers(domain=DOMAIN).numbers == ()
    assert emulator.requests()[-1]["method"] == "GET"


# -- the public surface ------------------------------------------------------------------------------


def test_every_function_has_a_plain_and_an_output_form_exported_at_the_top() -> None:
    plain = [name for name in GETTERS if not name.endswith("_output")]
    assert sorted(plain) == [
        "get_devices",
        "get_ivr_fallback_numbers",
        "get_sip_logs",
        "get_siprec_fallback",
        "get_sites",
        "get_statistics",
    ]
    for name in plain:
        function, output = getattr(functions, name), getattr(functions, f"{name}_output")
        assert list(inspect.signature(function).parameters) == list(inspect.signature(output).parameters), name
        assert getattr(pulumi_iotcomms, name) is function
        assert getattr(pulumi_iotcomms, f"{name}_output") is output
        result = inspect.signature(function).return_annotation
        assert result == f"{name.title().replace('_', '')}Result"
        assert inspect.signature(output).return_annotation == f"pulumi.Output[{result}]"


@pytest.mark.parametrize("name", functions.__all__)
def test_every_public_name_is_documented(name: str) -> None:
    obj = getattr(functions, name)
    doc = inspect.getdoc(obj) or ""
    assert doc, name
    if inspect.isfunction(obj):
        for parameter in inspect.signature(obj).parameters:
            assert re.search(rf"^\s+{parameter}: \S", doc, re.M), f"{name}: argument {parameter} is not documented"
    else:
        assert obj in RESULTS
        source = inspect.getsource(obj)
        for field in dataclasses.fields(obj):
            assert re.search(rf"^    {field.name}: .*\n    \"\"\"\S", source, re.M), (
                f"{name}.{field.name} has no docstring"
            )


def test_the_docs_list_every_function_and_result_field() -> None:
    page = (REPO / "docs" / "functions.md").read_text()
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Functions", 1)[1].split("\n## ", 1)[0]
    for name in GETTERS:
        assert f"`{name}" in page, name
        assert f"`{name.removesuffix('_output')}" in section, name
    for result in RESULTS:
        for field in dataclasses.fields(result):
            assert f"`{field.name}`" in page, f"{result.__name__}.{field.name}"
    assert "preview" in page


def test_the_functions_keep_to_their_layer() -> None:
    """Like the resources (DESIGN.md), the functions call the API layer and never HTTP themselves."""
    source = (REPO / "pulumi_iotcomms" / "functions.py").read_text()
    assert not re.search(r"^(import|from) httpx", source, re.M)
    assert "request_json" not in source
