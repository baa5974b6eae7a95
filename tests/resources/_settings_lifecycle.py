"""The lifecycle of a per-domain settings resource (NotificationSettings, SiprecService).

These have no delete, so the scenario seeds earlier settings (an integer among them, which the state
turns into a float) and checks that destroy puts them back exactly; the resource takes them over with
``adopt=True``, since settings already set are not taken over otherwise.
The replacement moves the settings to another domain, so the stack authenticates with an RS256 key
registered for both domains (the provider signs its own JWTs).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pulumi_iotcomms.testing.harness import Secret
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient
from tests.resources._lifecycle import Lifecycle

EARLIER = {"alarmTopic": "arn:aws:sns:eu-north-1:123456789012:earlier", "httpTimeout": 4000}
INPUTS = {
    "adopt": True,
    "use_http_events": True,
    "sip_events_rest_endpoint": "https://events.example.com/sip",
    "rest_authentication": [{"type": "RS256", "sub": "notify", "secret": "Settings-Secret-6620"}],
}
WIRE = {
    "useHttpEvents": True,
    "sipEventsRestEndpoint": "https://events.example.com/sip",
    "restAuthentication": [{"type": "RS256", "sub": "notify", "secret": "Settings-Secret-6620"}],
}


def settings_lifecycle(resource: type[Any], kind: str, emulator: EmulatorClient) -> Lifecycle:
    """Seed earlier settings and a two-domain key in ``emulator``; the lifecycle of ``resource``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    emulator.ok("POST", f"/provisioning/apiKey/{DOMAIN}", json={"key": public.decode()})
    emulator.ok("POST", f"/provisioning/apiKey/{OTHER_DOMAIN}", json={"key": public.decode()}, token=OTHER_TOKEN)
    url = f"/provisioning/{kind}/{DOMAIN}"
    emulator.ok("PUT", url, json=EARLIER)

    def edit(emu: EmulatorClient, local_id: str) -> None:
        emu.ok("PUT", url, json={**WIRE, "useHttpEvents": False})

    def snapshot(emu: EmulatorClient) -> Any:
        other = emu.ok("GET", f"/provisioning/{kind}/{OTHER_DOMAIN}", token=OTHER_TOKEN)
        return emu.ok("GET", url), other

    return Lifecycle(
        resource=resource,
        inputs=INPUTS,
        update={"http_timeout": 5000},
        update_write=("PUT", {**WIRE, "httpTimeout": 5000}),
        url=lambda local_id: url,
        edit=edit,
        replace={"domain": OTHER_DOMAIN},
        secrets=("Settings-Secret-6620", private.splitlines()[1]),
        snapshot=snapshot,
        config={"iotcomms:token": "", "iotcomms:privateKey": Secret(private)},
    )


def stored(emulator: EmulatorClient, kind: str, domain: str = DOMAIN) -> Any:
    """The settings object exactly as the emulator stores it (JSON types kept), None when never set."""
    return emulator.objects().get(domain, {}).get(kind, {}).get("")


def writes(emulator: EmulatorClient) -> list[tuple[str, str, Any]]:
    """``(method, path, body)`` of every logged request that is not a GET."""
    return [(r["method"], r["path"], r["body"]) for r in emulator.requests() if r["method"] != "GET"]
