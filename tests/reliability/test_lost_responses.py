"""Lost responses: every write commits and then answers 502. The next ``up`` converges with exactly one
object of each kind, and the generated SIP password the user reads still matches the server's ha1."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pulumi

from pulumi_iotcomms import Device, MediaService, SiteHost, Trunk
from pulumi_iotcomms.testing.harness import ProviderError, Secret
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.reliability._util import IVR, counts, harness, md5

DEVICES = f"/provisioning/device/{DOMAIN}"


def _program() -> None:
    phone = Device("phone", domain=DOMAIN, device_id="phone-1", auth_type="credentials")  # PUT
    MediaService("ivr", domain=DOMAIN, media_service_id="ivr-1", **IVR, rest_authentication=[{"sub": "ivr"}])  # POST
    Trunk(  # PUT by id
        "pstn",
        domain=DOMAIN,
        destination_target="pstn.example.com",
        destination_transport="udp",
        destination_match="^0",
    )
    SiteHost("host", domain=DOMAIN, site_id="stockholm", host_id="a")  # POST
    pulumi.export("sip_password", phone.sip_password)


def test_apply_then_fail_converges_without_duplicates_or_lost_password(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    stack = harness(emulator, tmp_path)
    emulator.faults(apply_then_fail_rate=1.0)
    first = None
    with contextlib.suppress(ProviderError):  # reconciled by re-reading, or failed: both are allowed
        first = stack.up(_program)
    injected = emulator.http.get("/_emulator/faults").json()["injected"]
    assert injected.get("apply_then_fail", 0) >= 4

    emulator.faults()
    result = stack.up(_program)
    assert counts(emulator) == {"device": 1, "mediaservice": 1, "trunk": 1, "host": 1}
    exported = result.outputs["sip_password"]
    assert isinstance(exported, Secret)
    ha1 = emulator.ok("GET", f"/provisioning/device/{DOMAIN}/phone-1")["ha1"]
    assert ha1 == md5(f"phone-1:{DOMAIN}:{exported.value}")
    if first is not None:
        assert first.plain_outputs["sip_password"] == exported.value
    # Every (repeated) device write carried the one password check chose before the first of them.
    device_puts = [r["body"] for r in emulator.requests() if (r["method"], r["path"]) == ("PUT", DEVICES)]
    assert len(device_puts) >= 2
    assert {body["ha1"] for body in device_puts} == {ha1}
    assert stack.state.by_name("phone").inputs["sip_password"] == exported
    assert stack.preview().changes == {}
