"""Hybrid admin: ``/hybridadmin/site/{domain}`` — commission, drain and decommission hosts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.samples import SITES
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient

HOST = f"{SITES}/s1/host/h1"
KNOB = f"/_emulator/hosts/{DOMAIN}/s1/h1/calls"


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


# -- the calls knob: calls that end over time once the host is drained ------------------------------


def calls_seen(client: EmulatorClient, reads: int) -> list[int]:
    """``activeCalls`` of s1/h1 over ``reads`` listings."""
    return [hosts(client)["s1"]["hosts"]["h1"]["activeCalls"] for _ in range(reads)]


def test_calls_knob_ends_calls_per_read_only_once_the_host_is_drained(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    assert emulator.set_calls("s1", "h1", 5, drain_per_read=2) == {"state": "active", "activeCalls": 5}
    assert calls_seen(emulator, 2) == [5, 5]  # a commissioned host keeps its calls
    emulator.ok("PUT", f"{HOST}/drain")
    assert calls_seen(emulator, 4) == [3, 1, 0, 0]
    # The rate is bookkeeping, never reported.
    assert hosts(emulator)["s1"]["hosts"]["h1"] == {"state": "drained", "activeCalls": 0, "doNotReschedule": False}


def test_calls_knob_with_rate_zero_keeps_the_calls_of_a_drained_host(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    emulator.set_calls("s1", "h1", 3, drain_per_read=0)
    emulator.ok("PUT", f"{HOST}/drain")
    assert calls_seen(emulator, 3) == [3, 3, 3]
    emulator.ok("DELETE", HOST)  # a drained host can still be decommissioned, cutting its calls


def test_calls_knob_rate_defaults_to_one(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    resp = emulator.http.put(KNOB, json={"activeCalls": 2})
    assert resp.status_code == 200, resp.text
    emulator.ok("PUT", f"{HOST}/drain")
    assert calls_seen(emulator, 3) == [1, 0, 0]


def test_a_busy_host_with_the_knob_is_still_refused_until_drained(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    emulator.set_calls("s1", "h1", 2)
    emulator.fail("DELETE", HOST, 409, "hostId")
    assert calls_seen(emulator, 1) == [2]


def test_recommissioning_forgets_the_calls(emulator: EmulatorClient) -> None:
    emulator.ok("POST", HOST)
    emulator.set_calls("s1", "h1", 4, drain_per_read=0)
    emulator.ok("PUT", f"{HOST}/drain")
    emulator.ok("DELETE", HOST)
    emulator.ok("POST", HOST)
    emulator.ok("PUT", f"{HOST}/drain")
    assert hosts(emulator)["s1"]["hosts"]["h1"]["activeCalls"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "(body)"),
        ([5], "(body)"),
        ({"activeCalls": 1, "state": "drained"}, "(body)"),
        ({"activeCalls": -1}, "activeCalls"),
        ({"activeCalls": "3"}, "activeCalls"),
        ({"activeCalls": True}, "activeCalls"),
        ({"activeCalls": 3, "drainPerRead": -1}, "drainPerRead"),
        ({"activeCalls": 3, "drainPerRead": 0.5}, "drainPerRead"),
    ],
)
def test_calls_knob_validates_its_body(emulator: EmulatorClient, body: Any, field: str) -> None:
    emulator.ok("POST", HOST)
    resp = emulator.http.put(KNOB, json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["reason"].startswith(f"{field}:")


def test_calls_knob_of_an_unknown_host_is_not_found(emulator: EmulatorClient) -> None:
    resp = emulator.http.put(KNOB, json={"activeCalls": 1})
    assert resp.status_code == 404, resp.text
