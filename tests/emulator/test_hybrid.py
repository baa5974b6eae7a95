"""Hybrid admin: ``/hybridadmin/site/{domain}`` — commission, drain and decommission hosts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.samples import SITES
from tests.emulator_client import OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient

HOST = f"{SITES}/s1/host/h1"


def hosts(client: EmulatorClient, **kw: Any) -> dict[str, Any]:
    listed = client.ok("GET", kw.pop("path", SITES), **kw)
    assert set(listed) == {"success", "data"}
    assert listed["success"] is True
    return dict(listed["data"])


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": 24},
        {"networkInterfaces": ["10.0.0.5", "10.0.1.5"], "networkPrefixLength": 0},
        {"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": 32},
        {"networkInterfaces": ["2001:db8::5"], "networkPrefixLength": 64},
        {"networkInterfaces": ["2001:db8::5"], "networkPrefixLength": 128},
        {"networkInterfaces": ["10.0.0.5", "2001:db8::5"], "networkPrefixLength": 32},
    ],
    ids=["no-body", "dhcp", "ipv4", "ipv4-0", "ipv4-32", "ipv6", "ipv6-128", "dual-stack"],
)
def test_commission_with_or_without_static_addressing(emulator: EmulatorClient, body: dict[str, Any] | None) -> None:
    answer = emulator.ok("POST", HOST, **({} if body is None else {"json": body}))
    assert answer == {"success": True}
    assert hosts(emulator) == {"s1": {"hosts": {"h1": {"state": "active", "activeCalls": 0, **(body or {})}}}}
    emulator.fail("POST", HOST, 409, "hostId", json=body or {})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": 33}, "networkPrefixLength"),
        ({"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": -1}, "networkPrefixLength"),
        ({"networkInterfaces": ["2001:db8::5"], "networkPrefixLength": 129}, "networkPrefixLength"),
        ({"networkInterfaces": ["10.0.0.5", "2001:db8::5"], "networkPrefixLength": 64}, "networkPrefixLength"),
        ({"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": "24"}, "networkPrefixLength"),
        ({"networkInterfaces": ["10.0.0.5"]}, "networkPrefixLength"),
        ({"networkPrefixLength": 24}, "networkInterfaces"),
        ({"networkInterfaces": [], "networkPrefixLength": 24}, "networkInterfaces"),
        ({"networkInterfaces": "10.0.0.5", "networkPrefixLength": 24}, "networkInterfaces"),
        ({"networkInterfaces": ["10.0.0.256"], "networkPrefixLength": 24}, "networkInterfaces[0]"),
        (["10.0.0.5"], "(body)"),
    ],
)
def test_commission_validates_addressing(emulator: EmulatorClient, body: Any, field: str) -> None:
    emulator.fail("POST", HOST, 400, field, json=body)
    assert hosts(emulator) == {}


@pytest.mark.parametrize(
    ("site", "host", "field"), [("-s", "h1", "siteId"), ("s1", "h" * 64, "hostId"), ("s1", "a%20b", "hostId")]
)
@pytest.mark.parametrize("suffix", ["", "/drain"])
def test_site_and_host_ids_are_names(emulator: EmulatorClient, site: str, host: str, field: str, suffix: str) -> None:
    method = "PUT" if suffix else "POST"
    emulator.fail(method, f"{SITES}/{site}/host/{host}{suffix}", 400, field, json={})


def test_sites_group_hosts_and_exist_while_they_have_hosts(emulator: EmulatorClient) -> None:
    for site, host in [("s1", "h1"), ("s1", "h2"), ("s2", "h1")]:
        emulator.ok("POST", f"{SITES}/{site}/host/{host}")
    data = hosts(emulator)
    assert {site: sorted(v["hosts"]) for site, v in data.items()} == {"s1": ["h1", "h2"], "s2": ["h1"]}
    emulator.ok("DELETE", f"{SITES}/s2/host/h1")
    assert sorted(hosts(emulator)) == ["s1"]
    assert hosts(emulator, path=f"/hybridadmin/site/{OTHER_DOMAIN}", token=OTHER_TOKEN) == {}


@pytest.mark.parametrize(
    ("body", "flag"),
    [(None, False), ({}, False), ({"doNotReschedule": "true"}, True), ({"doNotReschedule": "false"}, False)],
)
def test_drain_ends_calls_and_marks_the_host_drained(emulator: EmulatorClient, body: Any, flag: bool) -> None:
    emulator.ok("POST", HOST)
    assert emulator.set_host("s1", "h1", activeCalls=3)["activeCalls"] == 3
    assert emulator.ok("PUT", f"{HOST}/drain", **({} if body is None else {"json": body})) == {"success": True}
    host = hosts(emulator)["s1"]["hosts"]["h1"]
    assert (host["state"], host["activeCalls"], host["doNotReschedule"]) == ("drained", 0, flag)


@pytest.mark.parametrize("body", [{"doNotReschedule": True}, {"doNotReschedule": "yes"}, ["true"]])
def test_drain_flag_is_the_string_true_or_false(emulator: EmulatorClient, body: Any) -> None:
    emulator.ok("POST", HOST)
    field = "(body)" if isinstance(body, list) else "doNotReschedule"
    emulator.fail("PUT", f"{HOST}/drain", 400, field, json=body)
    assert hosts(emulator)["s1"]["hosts"]["h1"]["state"] == "active"


def test_decommission_refuses_a_host_with_active_calls_until_drained(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    emulator.set_host("s1", "h1", activeCalls=2)
    emulator.fail("DELETE", HOST, 409, "hostId")
    assert hosts(emulator)["s1"]["hosts"]["h1"]["activeCalls"] == 2
    emulator.ok("PUT", f"{HOST}/drain")
    assert emulator.ok("DELETE", HOST) == {"success": True}
    assert hosts(emulator) == {}
    emulator.fail("DELETE", HOST, 404, "hostId")


def test_a_drained_host_with_lingering_calls_can_be_decommissioned(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    emulator.set_host("s1", "h1", activeCalls=1, state="drained")
    emulator.ok("DELETE", HOST)


def test_idle_host_is_decommissioned_without_draining(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    emulator.ok("DELETE", HOST)
    emulator.ok("POST", HOST)  # and can be commissioned again
