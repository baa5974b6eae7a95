"""``pulumi_iotcomms.api.site``: the HostCommission model (static addressing rules) and SiteApi against the
emulator: commission, list/get hosts, drain, decommission (refused while a busy host is not drained), and the
typed listing ``read_sites``."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import COMPUTED, REPLACE, Behaviour, behaviour
from pulumi_iotcomms.api.site import HostCommission, HostReport, SiteApi
from pulumi_iotcomms.errors import ApiError, BadRequestError, ConflictError, NotFoundError
from tests._http_server import Reply
from tests.api._util import model_problems, scripted_transport
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient

SITES = f"/hybridadmin/site/{DOMAIN}"
STATIC: dict[str, Any] = {"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": 24}


@pytest.fixture
def api(transport: Transport) -> SiteApi:
    return SiteApi(transport)


def problems(**fields: Any) -> list[tuple[str, str]]:
    """``(field path, problem)`` for a HostCommission built from ``fields``."""
    return model_problems(HostCommission, fields)


def writes(emulator: EmulatorClient) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r["body"]) for r in emulator.requests() if r["method"] != "GET"]


# -- model -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="dhcp"),
        pytest.param({"network_interfaces": ["10.0.0.5"], "network_prefix_length": 24}, id="ipv4"),
        pytest.param({"network_interfaces": ["10.0.0.5"], "network_prefix_length": 0}, id="ipv4-0"),
        pytest.param({"network_interfaces": ["10.0.0.5"], "network_prefix_length": 32}, id="ipv4-32"),
        pytest.param({"network_interfaces": ["10.0.0.5", "10.0.1.5"], "network_prefix_length": 16}, id="two-ipv4"),
        pytest.param({"network_interfaces": ["2001:db8::5"], "network_prefix_length": 64}, id="ipv6"),
        pytest.param({"network_interfaces": ["2001:db8::5"], "network_prefix_length": 128}, id="ipv6-128"),
        pytest.param({"network_interfaces": ["::ffff:10.0.0.5"], "network_prefix_length": 96}, id="ipv4-mapped"),
        pytest.param({"network_interfaces": ["10.0.0.5", "2001:db8::5"], "network_prefix_length": 32}, id="dual"),
        pytest.param({"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": 24}, id="wire-names"),
    ],
)
def test_dhcp_or_valid_static_addressing_is_accepted(fields: dict[str, Any]) -> None:
    assert problems(**fields) == []


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        pytest.param({"network_interfaces": ["10.0.0.5"]}, "networkPrefixLength", id="interfaces-alone"),
        pytest.param({"network_prefix_length": 24}, "networkInterfaces", id="prefix-alone"),
        pytest.param({"network_interfaces": [], "network_prefix_length": 24}, "network_interfaces", id="no-address"),
        pytest.param(
            {"network_interfaces": "10.0.0.5", "network_prefix_length": 24}, "network_interfaces", id="not-a-list"
        ),
        pytest.param(
            {"network_interfaces": ["10.0.0.256"], "network_prefix_length": 24},
            "network_interfaces[0]",
            id="bad-ipv4",
        ),
        pytest.param(
            {"network_interfaces": ["10.0.0.5", "2001:db8::zz"], "network_prefix_length": 24},
            "network_interfaces[1]",
            id="bad-ipv6",
        ),
        pytest.param(
            {"network_interfaces": ["host-1.example"], "network_prefix_length": 24},
            "network_interfaces[0]",
            id="hostname",
        ),
        pytest.param(
            {"network_interfaces": ["10.0.0.0/24"], "network_prefix_length": 24},
            "network_interfaces[0]",
            id="cidr-not-an-address",
        ),
        pytest.param(
            {"network_interfaces": ["10.0.0.5"], "network_prefix_length": 33}, "networkPrefixLength", id="v4-33"
        ),
        pytest.param(
            {"network_interfaces": ["10.0.0.5"], "network_prefix_length": -1}, "networkPrefixLength", id="neg"
        ),
        pytest.param(
            {"network_interfaces": ["2001:db8::5"], "network_prefix_length": 129}, "networkPrefixLength", id="v6-129"
        ),
        pytest.param(
            {"network_interfaces": ["2001:db8::5", "10.0.0.5"], "network_prefix_length": 64},
            "networkPrefixLength",
            id="dual-over-32",
        ),
        pytest.param(
            {"network_interfaces": ["10.0.0.5"], "network_prefix_length": "24"},
            "network_prefix_length",
            id="prefix-string",
        ),
        pytest.param(
            {"network_interfaces": ["10.0.0.5"], "network_prefix_length": 24.0},
            "network_prefix_length",
            id="prefix-float",
        ),
    ],
)
def test_static_addressing_rules_name_the_field(fields: dict[str, Any], path: str) -> None:
    found = problems(**fields)
    assert [p for p, _ in found] == [path], found


def test_both_or_neither_says_they_go_together() -> None:
    assert problems(network_interfaces=["10.0.0.5"]) == [
        ("networkPrefixLength", "networkInterfaces and networkPrefixLength go together")
    ]
    assert problems(network_prefix_length=24) == [
        ("networkInterfaces", "networkInterfaces and networkPrefixLength go together")
    ]


@pytest.mark.parametrize(
    ("addresses", "top"),
    [(["10.0.0.5"], 32), (["2001:db8::5"], 128), (["2001:db8::5", "10.0.0.5"], 32)],
)
def test_prefix_range_follows_the_address_family(addresses: list[str], top: int) -> None:
    assert problems(network_interfaces=addresses, network_prefix_length=top) == []
    ((path, message),) = problems(network_interfaces=addresses, network_prefix_length=top + 1)
    assert path == "networkPrefixLength"
    assert message.startswith(f"must be 0..{top} for ")


def test_wire_names_are_camel_case() -> None:
    host = HostCommission(network_interfaces=["10.0.0.5"], network_prefix_length=24)
    assert host.to_wire() == STATIC
    assert HostCommission.model_validate(STATIC) == host
    assert HostCommission().to_wire() == {}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("network_interfaces", REPLACE),
        ("network_prefix_length", REPLACE),
        ("state", COMPUTED),
        ("active_calls", COMPUTED),
    ],
)
def test_field_behaviour(field: str, expected: Behaviour) -> None:
    assert behaviour(HostCommission, field) == expected


def test_the_reported_host_is_a_valid_host_commission() -> None:
    reported = {"state": "active", "activeCalls": 2, **STATIC}
    host = HostCommission.model_validate(reported)
    assert (host.state, host.active_calls, host.network_prefix_length) == ("active", 2, 24)


# -- SiteApi: commission, list, get ----------------------------------------------------------------


def test_a_domain_without_hosts_has_no_sites(api: SiteApi) -> None:
    assert api.sites(DOMAIN) == {}
    assert api.get_host(DOMAIN, "s1", "h1") is None


def test_commission_with_dhcp(api: SiteApi, emulator: EmulatorClient) -> None:
    api.commission(DOMAIN, "s1", "h1", HostCommission().to_wire())
    assert writes(emulator) == [("POST", f"{SITES}/s1/host/h1", {})]  # the docs require a body
    assert api.get_host(DOMAIN, "s1", "h1") == {"state": "active", "activeCalls": 0}


@pytest.mark.parametrize(
    "addressing",
    [
        pytest.param({"network_interfaces": ["10.0.0.5"], "network_prefix_length": 24}, id="ipv4"),
        pytest.param({"network_interfaces": ["2001:db8::5", "2001:db8::6"], "network_prefix_length": 64}, id="ipv6"),
        pytest.param({"network_interfaces": ["10.0.0.5", "2001:db8::5"], "network_prefix_length": 32}, id="dual"),
    ],
)
def test_commission_with_static_addressing(api: SiteApi, emulator: EmulatorClient, addressing: dict[str, Any]) -> None:
    body = HostCommission.model_validate(addressing).to_wire()
    api.commission(DOMAIN, "s1", "h1", body)
    assert writes(emulator) == [("POST", f"{SITES}/s1/host/h1", body)]
    assert api.get_host(DOMAIN, "s1", "h1") == {"state": "active", "activeCalls": 0, **body}


def test_sites_group_hosts_by_site(api: SiteApi) -> None:
    api.commission(DOMAIN, "stockholm", "h1", {})
    api.commission(DOMAIN, "stockholm", "h2", STATIC)
    api.commission(DOMAIN, "oslo", "h1", {})
    sites = api.sites(DOMAIN)
    assert {site: sorted(data["hosts"]) for site, data in sites.items()} == {
        "stockholm": ["h1", "h2"],
        "oslo": ["h1"],
    }
    assert sites["stockholm"]["hosts"]["h2"] == {"state": "active", "activeCalls": 0, **STATIC}
    assert api.get_host(DOMAIN, "oslo", "h2") is None
    assert api.get_host(DOMAIN, "bergen", "h1") is None


def test_hosts_belong_to_their_domain(api: SiteApi, emulator: EmulatorClient) -> None:
    api.commission(DOMAIN, "s1", "h1", {})
    with Transport(emulator.url, TokenAuth(OTHER_TOKEN), max_retries=0) as transport:
        assert SiteApi(transport).sites(OTHER_DOMAIN) == {}


def test_commissioning_a_host_twice_is_a_conflict(api: SiteApi) -> None:
    api.commission(DOMAIN, "s1", "h1", STATIC)
    with pytest.raises(ConflictError) as info:
        api.commission(DOMAIN, "s1", "h1", {})
    assert (info.value.reason or "").startswith("hostId:")
    assert api.get_host(DOMAIN, "s1", "h1") == {"state": "active", "activeCalls": 0, **STATIC}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"networkInterfaces": ["10.0.0.5"]}, "networkPrefixLength", id="interfaces-alone"),
        pytest.param({"networkPrefixLength": 24}, "networkInterfaces", id="prefix-alone"),
        pytest.param({"networkInterfaces": ["10.0.0.5"], "networkPrefixLength": 33}, "networkPrefixLength", id="v4-33"),
        pytest.param({"networkInterfaces": ["::1"], "networkPrefixLength": 129}, "networkPrefixLength", id="v6-129"),
        pytest.param({"networkInterfaces": ["10.0.0.256"], "networkPrefixLength": 24}, "networkInterfaces[0]", id="ip"),
    ],
)
def test_commission_passes_the_body_as_given_and_the_server_names_the_problem(
    api: SiteApi, body: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError):
        HostCommission.model_validate(body)
    with pytest.raises(BadRequestError) as info:
        api.commission(DOMAIN, "s1", "h1", body)
    assert (info.value.reason or "").startswith(f"{field}:")
    assert api.sites(DOMAIN) == {}


# -- SiteApi: drain and decommission ---------------------------------------------------------------


@pytest.mark.parametrize(("do_not_reschedule", "sent"), [(False, "false"), (True, "true")])
def test_drain_ends_the_calls_and_marks_the_host_drained(
    api: SiteApi, emulator: EmulatorClient, do_not_reschedule: bool, sent: str
) -> None:
    api.commission(DOMAIN, "s1", "h1", {})
    emulator.set_host("s1", "h1", activeCalls=3)
    emulator.clear_requests()
    api.drain(DOMAIN, "s1", "h1", do_not_reschedule=do_not_reschedule)
    assert writes(emulator) == [("PUT", f"{SITES}/s1/host/h1/drain", {"doNotReschedule": sent})]
    host = api.get_host(DOMAIN, "s1", "h1")
    assert host == {"state": "drained", "activeCalls": 0, "doNotReschedule": do_not_reschedule}


def test_drain_defaults_to_rescheduling(api: SiteApi, emulator: EmulatorClient) -> None:
    api.commission(DOMAIN, "s1", "h1", {})
    api.drain(DOMAIN, "s1", "h1")
    assert writes(emulator)[-1][2] == {"doNotReschedule": "false"}
    assert (api.get_host(DOMAIN, "s1", "h1") or {})["doNotReschedule"] is False


def test_drain_of_an_unknown_host_is_not_found(api: SiteApi) -> None:
    with pytest.raises(NotFoundError):
        api.drain(DOMAIN, "s1", "h1")


def test_decommission_removes_the_host_and_its_empty_site(api: SiteApi) -> None:
    api.commission(DOMAIN, "s1", "h1", {})
    api.commission(DOMAIN, "s1", "h2", {})
    assert api.decommission(DOMAIN, "s1", "h1") is True
    assert api.get_host(DOMAIN, "s1", "h1") is None
    assert list(api.sites(DOMAIN)) == ["s1"]
    assert api.decommission(DOMAIN, "s1", "h2") is True
    assert api.sites(DOMAIN) == {}


def test_decommission_of_an_unknown_host_is_false(api: SiteApi) -> None:
    assert api.decommission(DOMAIN, "s1", "h1") is False


def test_decommission_refuses_a_busy_host_until_it_is_drained(api: SiteApi, emulator: EmulatorClient) -> None:
    api.commission(DOMAIN, "s1", "h1", {})
    emulator.set_host("s1", "h1", activeCalls=2)
    with pytest.raises(ConflictError) as info:
        api.decommission(DOMAIN, "s1", "h1")
    assert (info.value.reason or "").startswith("hostId:")
    assert "2 active calls" in (info.value.reason or "")
    assert (api.get_host(DOMAIN, "s1", "h1") or {})["activeCalls"] == 2
    api.drain(DOMAIN, "s1", "h1")
    assert api.decommission(DOMAIN, "s1", "h1") is True
    assert api.get_host(DOMAIN, "s1", "h1") is None


def test_a_decommissioned_host_can_be_commissioned_again(api: SiteApi) -> None:
    api.commission(DOMAIN, "s1", "h1", STATIC)
    assert api.decommission(DOMAIN, "s1", "h1") is True
    api.commission(DOMAIN, "s1", "h1", {})
    assert api.get_host(DOMAIN, "s1", "h1") == {"state": "active", "activeCalls": 0}


# -- SiteApi.read_sites (the read functions' typed listing) ----------------------------------------


def test_read_sites_types_every_host_by_site(api: SiteApi, emulator: EmulatorClient) -> None:
    api.commission(DOMAIN, "s2", "h1", {})
    api.commission(DOMAIN, "s1", "h2", STATIC)
    api.commission(DOMAIN, "s1", "h1", {})
    api.drain(DOMAIN, "s1", "h1")
    emulator.clear_requests()
    sites = api.read_sites(DOMAIN)
    assert sorted(sites) == ["s1", "s2"]
    hosts = sites["s1"].hosts or {}
    assert hosts["h2"] == HostReport(
        state="active", active_calls=0, network_interfaces=["10.0.0.5"], network_prefix_length=24
    )
    assert hosts["h1"].state == "drained"
    assert hosts["h1"].network_interfaces is None  # DHCP: absent, None
    assert [(r["method"], r["path"]) for r in emulator.requests()] == [("GET", SITES)]


def test_read_sites_of_a_domain_without_hosts_is_empty(api: SiteApi) -> None:
    assert api.read_sites(DOMAIN) == {}


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"success": True, "data": ["s1"]}, "data"),
        ({"success": True, "data": {"s1": {"hosts": {"h1": {"activeCalls": "some"}}}}}, "data.s1.hosts.h1.activeCalls"),
        ({"success": True, "data": {"s1": {"hosts": []}}}, "data.s1.hosts"),
    ],
)
def test_read_sites_refuses_an_answer_of_another_shape_naming_the_field(answer: Any, field: str) -> None:
    with scripted_transport(Reply(json=answer)) as t, pytest.raises(ApiError) as info:
        SiteApi(t).read_sites(DOMAIN)
    assert f"unexpected answer: {field}:" in str(info.value)


def test_read_sites_is_lenient_where_a_write_is_strict() -> None:
    """A host the server reports with addressing a commission would refuse (no prefix length) is still read."""
    answer = {"data": {"s1": {"hosts": {"h1": {"networkInterfaces": ["10.0.0.9"], "activeCalls": 1.0}}}}}
    with scripted_transport(Reply(json=answer)) as t:
        host = (SiteApi(t).read_sites(DOMAIN)["s1"].hosts or {})["h1"]
    assert host == HostReport(network_interfaces=["10.0.0.9"], active_calls=1)
