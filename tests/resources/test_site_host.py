"""SiteHost through the engine protocol: lifecycle, drain before decommission, preview of unknowns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms import SiteHost
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.harness import Harness
from tests.harness.scenario import HarnessRunner, run_scenario
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
