"""SiteHost through the engine protocol (lifecycle, drain before decommission, preview of unknowns) and
its provider against the emulator (adopting other addressing, waiting for calls to drain, discard)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.dynamic import CreateResult

from pulumi_iotcomms import SiteHost
from pulumi_iotcomms.api.site import SiteApi
from pulumi_iotcomms.errors import ConflictingObjectError, DeadlineExceededError, IotcommsError
from pulumi_iotcomms.resources import _claims, site_host
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources._provider import Target
from pulumi_iotcomms.resources.site_host import SiteHostProvider
from pulumi_iotcomms.testing.harness import Harness
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.reliability._util import CapturingHarness
from tests.resources._lifecycle import Lifecycle, config_for, lifecycle_scenario

SITE = f"/hybridadmin/site/{DOMAIN}"
INPUTS = {"site_id": "stockholm", "host_id": "host-1", "network_interfaces": ["10.1.0.5"], "network_prefix_length": 24}


def _readdress(emulator: EmulatorClient, local_id: str) -> None:
    # Someone recommissions the host with other addressing: only a replacement converges it.
    emulator.ok("DELETE", f"{SITE}/{local_id.replace('/', '/host/')}")
    body = {"networkInterfaces": ["10.1.0.5"], "networkPrefixLength": 16}
    emulator.ok("POST", f"{SITE}/{local_id.replace('/', '/host/')}", json=body)


LIFE = Lifecycle(
    resource=SiteHost,
    inputs=INPUTS,
    update={"do_not_reschedule": True},
    update_write=None,
    url=lambda local_id: SITE,
    edit=_readdress,
    edit_kind="replace",
    remove=lambda emulator, local_id: emulator.ok("DELETE", f"{SITE}/{local_id.replace('/', '/host/')}"),
    replace={"network_interfaces": ["2001:db8::5"], "network_prefix_length": 64},
)


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(LIFE, emulator), HarnessRunner(), tmp_path)


def _hosts(emulator: EmulatorClient) -> dict[str, Any]:
    return dict(emulator.ok("GET", SITE)["data"])


@pytest.mark.parametrize("drain", [True, False])
def test_destroy_drains_a_busy_host_unless_told_not_to(emulator: EmulatorClient, tmp_path: Path, drain: bool) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(lambda: SiteHost("h", domain=DOMAIN, site_id="s1", host_id="h1", drain_on_delete=drain))
    emulator.http.put(f"/_emulator/hosts/{DOMAIN}/s1/h1", json={"activeCalls": 4}).raise_for_status()
    if drain:
        harness.destroy()
        assert _hosts(emulator) == {}
        assert [r["path"] for r in emulator.requests() if r["method"] in ("PUT", "DELETE")][-2:] == [
            f"{SITE}/s1/host/h1/drain",
            f"{SITE}/s1/host/h1",
        ]
    else:
        with pytest.raises(Exception, match="active calls"):
            harness.destroy()
        assert "h1" in _hosts(emulator)["s1"]["hosts"]


def test_two_sites_and_dhcp(emulator: EmulatorClient, tmp_path: Path) -> None:
    def program() -> None:
        SiteHost(
            "a",
            domain=DOMAIN,
            site_id="stockholm",
            host_id="a",
            network_interfaces=["10.0.0.2"],
            network_prefix_length=24,
        )
        SiteHost("b", domain=DOMAIN, site_id="malmo", host_id="b")

    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    assert harness.up(program).changes == {"a": "create", "b": "create"}
    hosts = _hosts(emulator)
    assert hosts["stockholm"]["hosts"]["a"]["networkPrefixLength"] == 24
    assert "networkInterfaces" not in hosts["malmo"]["hosts"]["b"]
    assert harness.preview(program).changes == {}
    harness.destroy()
    assert _hosts(emulator) == {}


def test_static_addressing_needs_both_fields(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    with pytest.raises(Exception, match="network_prefix_length"):
        harness.preview(lambda: SiteHost("h", domain=DOMAIN, site_id="s", host_id="h", network_interfaces=["10.0.0.1"]))
    assert emulator.requests() == []


def test_destroy_waits_in_the_provider_host_for_calls_to_end_and_logs_progress(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    harness = CapturingHarness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(lambda: SiteHost("h", domain=DOMAIN, site_id="s1", host_id="h1"))
    emulator.set_calls("s1", "h1", 4, drain_per_read=2)
    emulator.clear_requests()
    harness.destroy()  # reads 2 calls, sleeps 0.5 s, reads 0, decommissions
    assert _after_drain(emulator) == ["GET", "GET", "DELETE"]
    assert f"info: draining {DOMAIN}/s1/h1: 2 active calls, waited 0 s" in harness.stderr[-1]


def test_custom_timeouts_delete_bounds_the_drain_wait(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    timeouts = pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(delete="1s"))
    harness.up(lambda: SiteHost("h", domain=DOMAIN, site_id="s1", host_id="h1", opts=timeouts))
    assert harness.state.by_name("h").inputs["drain_timeout_seconds"] == 1
    emulator.set_calls("s1", "h1", 3, drain_per_read=0)
    with pytest.raises(Exception, match=re.escape("3 active calls")) as info:
        harness.destroy()
    assert "drain_timeout_seconds=1)" in str(info.value)
    assert _hosts(emulator)["s1"]["hosts"]["h1"]["state"] == "drained"


@pytest.mark.parametrize(
    ("delete", "given", "expected"),
    [("90s", None, 90), ("1h30m", None, 5400), ("10m", 30, 30), (None, None, None), ("soon", None, None)],
)
def test_custom_timeouts_delete_becomes_drain_timeout_seconds(
    emulator: EmulatorClient, tmp_path: Path, delete: str | None, given: float | None, expected: float | None
) -> None:
    opts = pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(delete=delete))
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    harness.up(lambda: SiteHost("h", domain=DOMAIN, site_id="s1", host_id="h1", drain_timeout_seconds=given, opts=opts))
    assert harness.state.by_name("h").inputs.get("drain_timeout_seconds") == expected


def test_preview_with_adopt_says_a_host_with_other_addressing_is_recommissioned(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    harness = CapturingHarness(state_dir=tmp_path, config=config_for(emulator))
    harness.preview(lambda: SiteHost("h", domain=DOMAIN, site_id="s1", host_id="h1", adopt=True))
    assert re.search(
        rf"info: SiteHost 'h' \({re.escape(DOMAIN)}/s1/h1\) has adopt=True: if the host is already commissioned "
        r"with other network_interfaces/network_prefix_length, `pulumi up` will drain it, .*decommission it and "
        "commission it again",
        harness.stderr[-1],
    ), harness.stderr[-1]


# -- the provider against the emulator ---------------------------------------------------------------

HOST = f"{SITE}/stockholm/host/host-1"
DRAIN = f"{HOST}/drain"
DECLARED = {"networkInterfaces": ["10.1.0.5"], "networkPrefixLength": 24}


@pytest.fixture
def provider(emulator: EmulatorClient) -> SiteHostProvider:
    provider = SiteHostProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    return provider


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A fake clock for the drain wait: sleeping advances it at once; returns the list of sleeps."""
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(site_host, "_sleep", sleep)
    monkeypatch.setattr(site_host, "_clock", lambda: now[0])
    return sleeps


def _checked(provider: SiteHostProvider, **overrides: Any) -> dict[str, Any]:
    result = provider.check({}, {"resource_name": "h", **INPUTS, **overrides})
    assert [(f.property, f.reason) for f in result.failures] == []
    return dict(result.inputs)


def _created(provider: SiteHostProvider, inputs: dict[str, Any]) -> CreateResult:
    """Create, as one deployment; the delete that follows is another (a fresh provider host)."""
    result = provider.create(inputs)
    _claims.reset()
    return result


def _writes(emulator: EmulatorClient) -> list[tuple[str, str, Any]]:
    return [(r["method"], r["path"], r["body"]) for r in emulator.requests() if r["method"] != "GET"]


def _after_drain(emulator: EmulatorClient) -> list[str]:
    """The methods of the requests after the drain, up to the decommission."""
    log = [(r["method"], r["path"]) for r in emulator.requests()]
    start = log.index(("PUT", f"{SITE}/s1/host/h1/drain"))
    return [method for method, _ in log[start + 1 :]]


def _info_lines(text: str) -> list[str]:
    return [line.removeprefix("info: ") for line in text.splitlines() if line.startswith("info: ")]


def test_adopt_with_other_addressing_drains_waits_decommissions_and_recommissions(
    provider: SiteHostProvider, emulator: EmulatorClient, slept: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.ok("POST", HOST, json={"networkInterfaces": ["10.9.0.7"], "networkPrefixLength": 16})
    emulator.set_calls("stockholm", "host-1", 5, drain_per_read=2)
    inputs = _checked(provider, adopt=True, do_not_reschedule=True)
    emulator.clear_requests()
    outs = dict(provider.create(inputs).outs or {})
    assert _writes(emulator) == [
        ("PUT", DRAIN, {"doNotReschedule": "true"}),
        ("DELETE", HOST, None),
        ("POST", HOST, DECLARED),
    ]
    # The decommission came only once the host reported no calls: 5 → 3 → 1 → 0 over three reads.
    methods = [r["method"] for r in emulator.requests()]
    assert methods[: methods.index("DELETE") + 1] == ["GET", "PUT", "GET", "GET", "GET", "DELETE"]
    assert slept == [0.5, 1.0]
    assert _info_lines(capsys.readouterr().err)[-2:] == [
        f"draining {DOMAIN}/stockholm/host-1: 3 active calls, waited 0 s",
        f"draining {DOMAIN}/stockholm/host-1: 1 active calls, waited 0 s",
    ]
    assert _hosts(emulator)["stockholm"]["hosts"]["host-1"] == {"state": "active", "activeCalls": 0, **DECLARED}
    assert (outs["network_prefix_length"], outs["state"]) == (24, "active")


def test_adopt_of_a_static_host_declared_as_dhcp_recommissions_it_without_addressing(
    provider: SiteHostProvider, emulator: EmulatorClient, slept: list[float]
) -> None:
    emulator.ok("POST", HOST, json=DECLARED)
    inputs = _checked(provider, adopt=True, network_interfaces=None, network_prefix_length=None)
    emulator.clear_requests()
    provider.create(inputs)
    assert _writes(emulator) == [
        ("PUT", DRAIN, {"doNotReschedule": "false"}),
        ("DELETE", HOST, None),
        ("POST", HOST, {}),
    ]
    assert _hosts(emulator)["stockholm"]["hosts"]["host-1"] == {"state": "active", "activeCalls": 0}
    assert slept == []


@pytest.mark.parametrize(
    "declared", [{}, {"network_prefix_length": 24.0}], ids=["same", "prefix-as-the-engine-sends-numbers"]
)
def test_adopt_with_equal_addressing_writes_nothing(
    provider: SiteHostProvider, emulator: EmulatorClient, declared: dict[str, Any]
) -> None:
    emulator.ok("POST", HOST, json=DECLARED)
    emulator.set_calls("stockholm", "host-1", 2)
    inputs = _checked(provider, adopt=True, **declared)
    emulator.clear_requests()
    outs = dict(provider.create(inputs).outs or {})
    assert _writes(emulator) == []
    assert (outs["state"], outs["active_calls"]) == ("active", 2)


def test_adopt_with_equal_ipv6_addressing_spelled_otherwise_writes_nothing(
    provider: SiteHostProvider, emulator: EmulatorClient
) -> None:
    emulator.ok("POST", HOST, json={"networkInterfaces": ["2001:DB8:0::5"], "networkPrefixLength": 64})
    inputs = _checked(provider, adopt=True, network_interfaces=["2001:db8::5"], network_prefix_length=64)
    emulator.clear_requests()
    provider.create(inputs)
    assert _writes(emulator) == []


def test_adopt_fails_clearly_when_the_server_keeps_other_addressing(
    provider: SiteHostProvider, emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.ok("POST", HOST, json={"networkInterfaces": ["10.9.0.7"], "networkPrefixLength": 16})
    inputs = _checked(provider, adopt=True)
    # A platform that ignores the addressing of a commission.
    monkeypatch.setattr(
        SiteApi, "commission", lambda self, d, s, h, body: emulator.ok("POST", f"{SITE}/{s}/host/{h}", json={})
    )
    with pytest.raises(IotcommsError) as info:
        provider.create(inputs)
    message = str(info.value)
    assert "network_interfaces=['10.1.0.5'], network_prefix_length=24" in message
    assert "network_interfaces=None, network_prefix_length=None (DHCP)" in message


def test_create_of_an_existing_host_without_adopt_is_refused(
    provider: SiteHostProvider, emulator: EmulatorClient
) -> None:
    emulator.ok("POST", HOST, json={"networkInterfaces": ["10.9.0.7"], "networkPrefixLength": 16})
    inputs = _checked(provider)
    emulator.clear_requests()
    with pytest.raises(ConflictingObjectError, match="network_interfaces, network_prefix_length"):
        provider.create(inputs)
    assert _writes(emulator) == []


def test_delete_waits_until_the_calls_have_ended_then_decommissions(
    provider: SiteHostProvider, emulator: EmulatorClient, slept: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = _checked(provider)
    result = _created(provider, inputs)
    emulator.set_calls("stockholm", "host-1", 9, drain_per_read=2)
    emulator.clear_requests()
    capsys.readouterr()
    provider.delete(result.id, dict(result.outs or {}))
    assert _writes(emulator) == [("PUT", DRAIN, {"doNotReschedule": "false"}), ("DELETE", HOST, None)]
    # 9 → 7 → 5 → 3 → 1 → 0: the DELETE follows the fifth read, the first to report no calls.
    assert [r["method"] for r in emulator.requests()] == ["PUT", "GET", "GET", "GET", "GET", "GET", "DELETE"]
    assert slept == [0.5, 1.0, 2.0, 4.0]
    assert _info_lines(capsys.readouterr().err) == [
        f"draining {DOMAIN}/stockholm/host-1: {calls} active calls, waited {waited} s"
        for calls, waited in [(7, 0), (5, 0), (3, 2), (1, 4)]
    ]
    assert _hosts(emulator) == {}


def test_drain_wait_backs_off_to_ten_seconds(
    provider: SiteHostProvider, emulator: EmulatorClient, slept: list[float]
) -> None:
    result = _created(provider, _checked(provider))
    emulator.set_calls("stockholm", "host-1", 8, drain_per_read=1)
    provider.delete(result.id, dict(result.outs or {}))
    assert slept == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_drain_timeout_fails_naming_the_host_and_calls_and_leaves_it_drained(
    provider: SiteHostProvider, emulator: EmulatorClient, slept: list[float]
) -> None:
    inputs = _checked(provider, drain_timeout_seconds=5)
    result = _created(provider, inputs)
    emulator.set_calls("stockholm", "host-1", 3, drain_per_read=0)
    with pytest.raises(IotcommsError) as info:
        provider.delete(result.id, dict(result.outs or {}))
    message = str(info.value)
    assert f"SiteHost {DOMAIN}/stockholm/host-1 still has 3 active calls after 5 s" in message
    assert "drain_timeout_seconds=5)" in message
    assert "stays drained and was not decommissioned" in message
    assert math.isclose(sum(slept), 5.0)
    assert slept[-1] == 1.5  # the last sleep ends at the deadline
    assert _hosts(emulator)["stockholm"]["hosts"]["host-1"]["state"] == "drained"
    # A later destroy, once the calls have ended, decommissions it.
    emulator.set_calls("stockholm", "host-1", 0)
    provider.delete(result.id, dict(result.outs or {}))
    assert _hosts(emulator) == {}


def test_drain_on_delete_false_decommissions_without_draining_or_waiting(
    provider: SiteHostProvider, emulator: EmulatorClient, slept: list[float]
) -> None:
    inputs = _checked(provider, drain_on_delete=False, drain_timeout_seconds=1)
    result = _created(provider, inputs)
    emulator.set_calls("stockholm", "host-1", 2, drain_per_read=0)
    emulator.set_host("stockholm", "host-1", state="drained")  # drained by an operator, calls lingering
    emulator.clear_requests()
    provider.delete(result.id, dict(result.outs or {}))
    assert [(r["method"], r["path"]) for r in emulator.requests()] == [("DELETE", HOST)]
    assert slept == []


def test_a_host_decommissioned_while_draining_counts_as_deleted(
    provider: SiteHostProvider, emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _created(provider, _checked(provider))
    emulator.set_calls("stockholm", "host-1", 2, drain_per_read=0)
    monkeypatch.setattr(site_host, "_sleep", lambda seconds: emulator.ok("DELETE", HOST))
    emulator.clear_requests()
    provider.delete(result.id, dict(result.outs or {}))
    # Drain, a read with calls, the operator's decommission, a read without the host: nothing more.
    assert [r["method"] for r in emulator.requests()] == ["PUT", "GET", "DELETE", "GET"]
    assert _hosts(emulator) == {}


def test_discard_decommissions_at_once(provider: SiteHostProvider, emulator: EmulatorClient) -> None:
    provider.create(_checked(provider))
    emulator.clear_requests()
    provider.discard(Target(DOMAIN, "stockholm/host-1"), {})
    assert _writes(emulator) == [("DELETE", HOST, None)]


def test_a_create_failing_after_its_commission_decommissions_without_draining(
    provider: SiteHostProvider, emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    commission = SiteApi.commission

    def commission_then_time_out(self: Any, domain: str, site_id: str, host_id: str, body: Any) -> None:
        commission(self, domain, site_id, host_id, body)
        raise DeadlineExceededError("deadline", timeout_seconds=1, method="POST", path=HOST)

    monkeypatch.setattr(SiteApi, "commission", commission_then_time_out)
    inputs = _checked(provider)
    emulator.clear_requests()
    with pytest.raises(DeadlineExceededError):
        provider.create(inputs)
    assert _writes(emulator) == [("POST", HOST, DECLARED), ("DELETE", HOST, None)]
    assert _hosts(emulator) == {}


# -- check and diff ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, math.inf, math.nan, "600", True])
def test_check_wants_a_positive_drain_timeout(provider: SiteHostProvider, value: Any) -> None:
    result = provider.check({}, {"resource_name": "h", **INPUTS, "drain_timeout_seconds": value})
    assert [(f.property, f.reason) for f in result.failures] == [
        ("drain_timeout_seconds", "must be a positive number of seconds")
    ]


@pytest.mark.parametrize("value", [0.5, 30, 3600.0])
def test_check_accepts_a_positive_drain_timeout(provider: SiteHostProvider, value: float) -> None:
    assert _checked(provider, drain_timeout_seconds=value)["drain_timeout_seconds"] == value


def test_check_says_what_adopt_may_do_only_while_the_host_is_to_be_created(
    provider: SiteHostProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    olds = _checked(provider, adopt=True)
    said = _info_lines(capsys.readouterr().err)
    assert len(said) == 1
    assert said[0].startswith(f"SiteHost 'h' ({DOMAIN}/stockholm/host-1) has adopt=True: if the host is already")
    assert "drain it, wait for its active calls to end (up to drain_timeout_seconds), decommission it" in said[0]
    _checked(provider)  # adopt not set
    provider.check(olds, {"resource_name": "h", **INPUTS, "adopt": True})  # already this stack's host
    assert _info_lines(capsys.readouterr().err) == []
    provider.check(olds, {"resource_name": "h", **INPUTS, "host_id": "host-2", "adopt": True})
    assert len(_info_lines(capsys.readouterr().err)) == 1


def test_drain_timeout_is_an_in_place_change_and_600_is_the_default(provider: SiteHostProvider) -> None:
    olds = _checked(provider)
    assert provider.diff("x", olds, _checked(provider, drain_timeout_seconds=600)).changes is False
    diff = provider.diff("x", olds, _checked(provider, drain_timeout_seconds=60))
    assert (diff.changes, diff.replaces) == (True, [])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("1.5h", 5400), ("500ms", 0.5), ("0", 0)],
)
def test_duration_strings(text: str, seconds: float) -> None:
    assert site_host._duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "m", "ten minutes", "1h 30m"])
def test_not_duration_strings(text: str) -> None:
    assert site_host._duration_seconds(text) is None
